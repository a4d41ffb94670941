//! The terms as one self-contained HTML page: the style is inline and nothing is loaded.

use super::doc::{Block, Document, Phrase, Piece};

/// The page's style: readable on screen and on paper, tables with borders.
const STYLE: &str = "body{font-family:system-ui,-apple-system,\"PingFang SC\",\"Microsoft YaHei\",sans-serif;\
max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#1f2328}\
h1{font-size:1.6rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}\
h2{font-size:1.25rem;margin-top:2rem}h3{font-size:1.05rem}\
code{font-family:ui-monospace,Menlo,Consolas,monospace;background:#f6f8fa;padding:0 .25rem;border-radius:4px}\
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .7rem;text-align:left}\
th{background:#f6f8fa}strong{font-weight:600}";

/// Writes the document as an HTML page.
pub fn write(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(doc.lang_tag);
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    out.push_str(&escape(&doc.title));
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>");
    out.push_str(&escape(&doc.title));
    out.push_str("</h1>\n");
    blocks(&mut out, &doc.preamble);
    for section in &doc.sections {
        let tag = if section.level > 2 { "h3" } else { "h2" };
        out.push_str(&format!("<{tag}>{}</{tag}>\n", phrase(&section.heading)));
        blocks(&mut out, &section.blocks);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn blocks(out: &mut String, blocks: &[Block]) {
    for block in blocks {
        match block {
            Block::Paragraph(p) => out.push_str(&format!("<p>{}</p>\n", phrase(p))),
            Block::Bullets(items) => list(out, "ul", items),
            Block::Numbered(items) => list(out, "ol", items),
            Block::Table { header, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in header {
                    out.push_str(&format!("<th>{}</th>", phrase(h)));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    out.push_str("<tr>");
                    for cell in r {
                        out.push_str(&format!("<td>{}</td>", phrase(cell)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
        }
    }
}

fn list(out: &mut String, tag: &str, items: &[Phrase]) {
    out.push_str(&format!("<{tag}>\n"));
    for item in items {
        out.push_str(&format!("<li>{}</li>\n", phrase(item)));
    }
    out.push_str(&format!("</{tag}>\n"));
}

fn phrase(p: &Phrase) -> String {
    let mut out = String::new();
    for piece in &p.0 {
        match piece {
            Piece::Text(s) => out.push_str(&escape(s)),
            Piece::Code(s) => out.push_str(&format!("<code>{}</code>", escape(s))),
            Piece::Reason(s) => out.push_str(&format!("<strong>{}</strong>", escape(s))),
        }
    }
    out
}

/// Text safe in an element and in a quoted attribute.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}

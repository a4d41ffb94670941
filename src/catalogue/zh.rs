//! The Chinese catalogue: for each translated code, the English texts its constructors in
//! `src/check/errors/` (and the parser and lints) write, as patterns, beside their Chinese.
//! Keep an entry beside its constructor's wording when either changes: `tests/it/ui.rs`
//! fails on any text of a `tests/ui` case left in English.

use crate::diagnostics::Code;

/// Patterns every translated code shares.
pub const SHARED: &[(&str, &str)] = &[("did you mean `{}`?", "是否想写 `{0}`?"), ("here", "此处")];

/// The translated codes (the twenty most frequent in `tests/ui`) and their texts.
pub const CATALOGUE: &[(Code, &[(&str, &str)])] = &[
    (Code::Syntax, SYNTAX),
    (Code::TypeMismatch, TYPE_MISMATCH),
    (Code::UnknownName, UNKNOWN_NAME),
    (Code::UnknownNotHandled, UNKNOWN_NOT_HANDLED),
    (Code::BareMultiplier, BARE_MULTIPLIER),
    (Code::InvalidScope, INVALID_SCOPE),
    (Code::MissingReason, MISSING_REASON),
    (Code::InvalidModifier, INVALID_MODIFIER),
    (Code::UnitMismatch, UNIT_MISMATCH),
    (Code::FullWidthPunctuation, FULL_WIDTH),
    (Code::BareNumber, BARE_NUMBER),
    (Code::InvalidDate, INVALID_DATE),
    (Code::ConditionNeverTrue, NEVER_TRUE),
    (Code::CyclicDefinition, CYCLIC),
    (Code::UnknownUnit, UNKNOWN_UNIT),
    (Code::ConditionAlwaysTrue, ALWAYS_TRUE),
    (Code::CapBelowMinimum, CAP_BELOW_MINIMUM),
    (Code::WindowOutsideCampaign, WINDOW_OUTSIDE_PERIODS),
    (Code::MissingRounding, MISSING_ROUNDING),
    (Code::DuplicateDefinition, DUPLICATE_DEFINITION),
];

const SYNTAX: &[(&str, &str)] = &[
    (
        "`{}` is read as one name: a keyword must be followed by a space",
        "`{0}` 被读作一个名称: 关键字之后必须有空格",
    ),
    ("`{}` runs into `{}`", "`{0}` 与 `{1}` 连在一起"),
    (
        "write `{}`: a space (or a punctuation mark) after each keyword",
        "请写 `{0}`: 每个关键字之后加空格 (或标点)",
    ),
    (
        "see docs/language.md for how this part is written",
        "写法见 docs/language.md",
    ),
    ("this `}` lines up with an outer block", "这个 `}` 与外层块对齐"),
    ("the next item starts here", "下一个条目从这里开始"),
    (
        "`{}` is not a mark of the campaign language",
        "`{0}` 不是活动语言中的符号",
    ),
    ("not `{}` or `{}`", "不是 `{0}` 或 `{1}`"),
    (
        "the arrow of a table row is `->` (or `→`): write `->`",
        "表格行的箭头是 `->` (或 `→`): 请写 `->`",
    ),
    (
        "`at least` is written `>=` (or `≥`), with `=` second: write `>=`",
        "`at least` (不低于) 写作 `>=` (或 `≥`), `=` 在后: 请写 `>=`",
    ),
    ("expected {}, found `{}`", "此处应为 {0}, 实际是 `{1}`"),
    ("not expected here", "此处不应出现"),
    (
        "comparisons use a single `=`: write `{}`",
        "比较只用一个 `=`: 请写 `{0}`",
    ),
    (
        "an invisible character `{}` is in the way",
        "这里有一个不可见字符 `{0}`",
    ),
    ("invisible character here", "不可见字符在此"),
    (
        "delete it (it often comes with text copied from a web page or a chat)",
        "请删除它 (它常随从网页或聊天中复制的文字一起出现)",
    ),
    (
        "a campaign file holds one block: put the items inside `campaign \"name\" { ... }`",
        "一个活动文件只有一个块: 请把各项写在 `campaign \"name\" { ... }` 之内",
    ),
    ("this block is not closed", "这个块没有闭合"),
    ("this `{` has no `}`", "这个 `{` 没有对应的 `}`"),
    (
        "add `}` at the end of the block, before line {}",
        "在块的末尾 (第 {0} 行之前) 加上 `}`",
    ),
    ("`{}` does not start an item", "`{0}` 不能开始一个条目"),
    ("not a word of the language", "不是本语言的词"),
    (
        "write `>=`, `<=` or `!=` without a space inside",
        "`>=`、`<=`、`!=` 中间不要有空格",
    ),
    (
        "a percentage is written without a space before `%`",
        "百分数的 `%` 前不加空格",
    ),
    ("space before `%`", "`%` 前有空格"),
    (
        "write the number and `%` together, as in `5%`",
        "数字与 `%` 连写, 如 `5%`",
    ),
    (
        "write the value to compare with after the operator, e.g. `{}`",
        "在运算符后写出要比较的值, 如 `{0}`",
    ),
    ("fact types are {}", "事实的类型有: {0}"),
];

const TYPE_MISMATCH: &[(&str, &str)] = &[
    ("`{}` is not a list", "`{0}` 不是列表"),
    ("not a list", "不是列表"),
    (
        "`let NAME of LIST = ...` defines a field for each record of a list fact",
        "`let NAME of LIST = ...` 为列表事实的每条记录定义一个字段",
    ),
    (
        "`{}` adds numbers or amounts, but this is {}",
        "`{0}` 累加的是数字或金额, 但这里是 {1}",
    ),
    (
        "add up an amount of each item (`{}`), or count the items: `{}`",
        "请累加每项的一个金额 (`{0}`), 或数项数: `{1}`",
    ),
    (
        "`{}` groups the items of a list, but `{}` is a list of values",
        "`{0}` 对列表的各项分组, 但 `{1}` 是值的列表",
    ),
    ("values, not items", "是值, 不是项"),
    (
        "name the list and read the field in the key or the total: `{}`",
        "请写列表名, 在分组依据或合计里读取字段: `{0}`",
    ),
    (
        "a condition must be true or false, but this is {}",
        "条件必须为真或假, 但这里是 {0}",
    ),
    ("not a condition", "不是条件"),
    ("compare it with something, e.g. `{}`", "请与某个值比较, 如 `{0}`"),
    (
        "the condition after `if` must be true or false, but this is {}",
        "`if` 之后的条件必须为真或假, 但这里是 {0}",
    ),
    (
        "items are ordered by a number, amount, timestamp, duration or text, but this is {}",
        "排序依据须为数字、金额、时间、时长或文本, 但这里是 {0}",
    ),
    (
        "order by a timestamp such as the creation time, or by an amount",
        "请按时间 (如创建时间) 或金额排序",
    ),
    (
        "`{}` reads the budget of a reward, named here",
        "`{0}` 读取的是奖励的预算, 奖励名应写在这里",
    ),
    (
        "write `{}` with a reward that has a budget",
        "请写 `{0}`, 其中是一个带预算的奖励",
    ),
    (
        "claims are split by the day, week or month of the queue's key, but the key is {}",
        "申领按排队依据所在的日、周或月分配, 但排队依据是 {0}",
    ),
    ("not a timestamp", "不是时间"),
    (
        "serve the claims by the time they qualify, e.g. `{}`",
        "请按满足条件的时间排队, 如 `{0}`",
    ),
    ("`{}` cannot take {}", "`{0}` 不能用于 {1}"),
    (
        "`running sum of` adds numbers, amounts or durations, `portion of` and `within first` take amounts of one unit, `previous` takes one value of each item",
        "`running sum of` 累加数字、金额或时长, `portion of` 与 `within first` 取同一单位的数量, `previous` 取每项的一个值",
    ),
    (
        "`{}` needs a window or a period (`month` in a per-month definition) here, but this is {}",
        "`{0}` 在此需要一个窗口或期间 (按月定义中的 `month`), 但这里是 {1}",
    ),
    (
        "for a timestamp's day, week or month write `start_of_day`, `start_of_week` or `start_of_month`",
        "要取时间所在的日、周或月, 请写 `start_of_day`、`start_of_week` 或 `start_of_month`",
    ),
    (
        "a timestamp can only be compared with another timestamp",
        "时间只能与另一个时间比较",
    ),
    ("write a date and time such as `{}`", "请写日期和时间, 如 `{0}`"),
];

const UNKNOWN_NAME: &[(&str, &str)] = &[
    (
        "`{}` is a unit, but no number stands before it on this line",
        "`{0}` 是单位, 但本行中它前面没有数字",
    ),
    ("a unit on its own", "单独的单位"),
    (
        "write the number and its unit on one line, e.g. `{}`",
        "把数字和单位写在同一行, 如 `{0}`",
    ),
    ("`{}` is not defined", "`{0}` 未定义"),
    ("unknown name", "未知的名称"),
    (
        "declare it in `facts { ... }`, or define it with `let` or `value`",
        "请在 `facts { ... }` 中声明它, 或用 `let`、`value` 定义它",
    ),
    (
        "`{}` is a fact of each record of `{}`: use it inside `... of {} where ...`, or as `{}`",
        "`{0}` 是 `{1}` 每一项的事实: 请在 `... of {2} where ...` 中使用, 或写作 `{3}`",
    ),
];

const UNKNOWN_NOT_HANDLED: &[(&str, &str)] = &[
    (
        "say what unknown means: end the condition with `{}` (unknown fails) or `{}` (unknown passes)",
        "请说明未知时如何处理: 在条件末尾加上 `{0}` (未知时不满足) 或 `{1}` (未知时满足)",
    ),
    (
        "the credit `{}` can be unknown, and the balance would not know what to credit, pay or order",
        "额度 `{0}` 可能未知, 余额将无法确定应记入、抵扣或排序的数额",
    ),
    (
        "say what an unknown one stands for: `{}`",
        "请说明未知时代表什么: `{0}`",
    ),
    (
        "some `{}` values can be unknown, and `{}` would not know which group they belong to",
        "部分 `{0}` 的值可能未知, `{1}` 无法判断它们属于哪一组",
    ),
    (
        "leave them out with a filter (`{}`) or say what they are: `{}`",
        "用筛选条件排除它们 (`{0}`), 或说明它们是什么: `{1}`",
    ),
    (
        "some `{}` values can be unknown, and `{}` would not know what to do with them",
        "部分 `{0}` 的值可能未知, `{1}` 无法处理这些值",
    ),
    ("may hold unknown values", "可能含有未知值"),
    ("leave them out with a filter: `{}`", "用筛选条件排除它们: `{0}`"),
    (
        "this filter can be unknown, because `{}` can be unknown",
        "这个筛选条件可能未知, 因为 `{0}` 可能未知",
    ),
    ("may be unknown", "可能未知"),
    (
        "say whether a record with unknown data counts: add `if unknown false` (it does not) or `if unknown true` (it does)",
        "请说明数据未知的记录是否计入: 加上 `if unknown false` (不计入) 或 `if unknown true` (计入)",
    ),
    (
        "this condition can be unknown, because `{}` can be unknown",
        "这个条件可能未知, 因为 `{0}` 可能未知",
    ),
    (
        "say what unknown means: end the condition with `if unknown false` (unknown fails) or `if unknown true` (unknown passes)",
        "请说明未知时如何处理: 在条件末尾加上 `if unknown false` (未知时不满足) 或 `if unknown true` (未知时满足)",
    ),
    (
        "some `{}` values can be unknown, and `{}` would not know what they add",
        "部分 `{0}` 的值可能未知, `{1}` 不知道它们应累加多少",
    ),
    (
        "leave them out with a filter (`{}`) or say what they add: `{}`",
        "用筛选条件排除它们 (`{0}`), 或说明它们累加多少: `{1}`",
    ),
    (
        "this reward can be unknown, because a value in it can be unknown",
        "这个奖励可能未知, 因为其中的某个值可能未知",
    ),
    (
        "a payout must be a number: add `if unknown 0 CNY` (or the right unit), or require the fact in a condition",
        "发放金额必须是确定的数: 加上 `if unknown 0 CNY` (或相应的单位), 或在条件中要求该事实存在",
    ),
    (
        "this reward can be unknown, because `{}` can be unknown",
        "这个奖励可能未知, 因为 `{0}` 可能未知",
    ),
    (
        "`{}` is optional: make it required in `facts` (remove `optional`), or say what a missing value means where it is used (`{}`); `if unknown 0` on the whole amount would pay nothing (or waive a fee) whenever it is unknown",
        "`{0}` 是可选的: 在 `facts` 中把它改为必填 (去掉 `optional`), 或在使用处说明缺失时的含义 (`{1}`); 在整个金额上加 `if unknown 0` 会使其未知时一律不发放 (或免收费用)",
    ),
];

const BARE_MULTIPLIER: &[(&str, &str)] = &[
    ("the amount it multiplies", "被乘的金额"),
    (
        "an amount is multiplied by `{}`, a number written without `%`",
        "金额乘以 `{0}`, 这是一个没有写 `%` 的数字",
    ),
    ("read as {}", "按 {0} 计"),
    (
        "did you mean `{}`? As written, `{}` is {}; if the amount is meant to be multiplied by {}, write `{}`",
        "是否想写 `{0}`? 按现在的写法, `{1}` 即 {2}; 若确实要把金额乘以 {3}, 请写 `{4}`",
    ),
    ("a plain number", "普通数字"),
    (
        "write a rate as a percentage (`5%`, in a parameter of type `fraction`), or a multiplier with `times` (`2 times`)",
        "比率请写成百分数 (`5%`, 参数用 `fraction` 类型), 倍数请用 `times` (`2 times`)",
    ),
    (
        "as written, `{}` is `{}`: write `{}`, or `{}` if that is meant; if the amount is meant to be multiplied by {}, write `{}`",
        "按现在的写法, `{0}` 即 `{1}`: 请写 `{2}`, 若本意如此则写 `{3}`; 若确实要把金额乘以 {4}, 请写 `{5}`",
    ),
    (
        "the rate `{}` of a `marginal of` table is written without `%`",
        "`marginal of` 表中的比例 `{0}` 没有写 `%`",
    ),
    (
        "did you mean `{}`? As written, `{}` is {}; if the band's part is meant to be multiplied by {}, write `{}`",
        "是否想写 `{0}`? 按现在的写法, `{1}` 即 {2}; 若确实要把该档内的部分乘以 {3}, 请写 `{4}`",
    ),
];

const INVALID_SCOPE: &[(&str, &str)] = &[
    (
        "an amount per item is computed for a list of the record, and `{}` is inside another list",
        "逐项金额只能对记录的列表计算, 而 `{0}` 位于另一个列表之内",
    ),
    ("a list inside another list's items", "另一个列表各项之内的列表"),
    (
        "compute the amount for each item of the outer list, with an aggregate over the inner list inside it",
        "请对外层列表的每一项计算金额, 在其中对内层列表求聚合",
    ),
    (
        "`is earned` can be read only by a reward: its amount, its modifiers or its `when` block",
        "`is earned` 只能在奖励中读取: 奖励的金额、修饰或其 `when` 块",
    ),
    ("not inside a reward", "不在奖励之内"),
    (
        "values and `eligible when` are decided before any reward; test it in the `when` block of the reward that depends on it (a `let` cannot read it)",
        "值和 `eligible when` 都在任何奖励之前确定; 请在依赖它的奖励的 `when` 块中判断 (`let` 不能读取它)",
    ),
    (
        "`{}` is computed for each record of `{}`, so it cannot be shown as one value",
        "`{0}` 是对 `{1}` 的每一项分别计算的, 不能作为单个值显示",
    ),
    ("one value per record of the list", "列表的每一项各有一个值"),
    (
        "write `let` instead of `value`, and show an aggregate such as `count of ... where ...`",
        "用 `let` 代替 `value`, 并显示一个汇总值, 如 `count of ... where ...`",
    ),
    (
        "a reward's amount cannot read its own pool with `{}`: the pool is shared out from the amounts",
        "奖励的金额不能用 `{0}` 读取自己的奖池: 奖池是按这些金额分配的",
    ),
    ("reads its own pool", "读取了自己的奖池"),
    (
        "read `{}` in a value shown beside the reward",
        "请在与奖励并列显示的值中读取 `{0}`",
    ),
    (
        "the reward `{}` has no budget, so `{}` has no pool to read",
        "奖励 `{0}` 没有预算, `{1}` 无奖池可读",
    ),
    ("no budget", "没有预算"),
    (
        "add a budget to the reward (`{}`), or remove `{}`",
        "给奖励加上预算 (`{0}`), 或删除 `{1}`",
    ),
    (
        "`{}` is a reward; rewards are computed last and cannot be used in expressions",
        "`{0}` 是奖励; 奖励最后计算, 不能用在表达式中",
    ),
    ("a reward", "一个奖励"),
    (
        "define the amount as a `let` value and use it in both places, or test `REWARD is waitlisted`",
        "把金额定义为 `let` 值并在两处使用, 或判断 `REWARD is waitlisted`",
    ),
    (
        "`{}` compares an item with the other items of its list, so it belongs in a per-item field",
        "`{0}` 将一项与其列表中的其他项比较, 因此应写在逐项字段中",
    ),
    ("not in a per-item field", "不在逐项字段中"),
    (
        "define it for each item, e.g. `{}`, and use the field",
        "请对每一项定义它, 如 `{0}`, 再使用该字段",
    ),
    (
        "the reward `{}` has no budget, so it is never waitlisted",
        "奖励 `{0}` 没有预算, 因此永远不会进入候补",
    ),
    (
        "add `, budget ... first come first served by ...` to the reward, or remove this test",
        "给奖励加上 `, budget ... first come first served by ...`, 或删除这个判断",
    ),
];

const MISSING_REASON: &[(&str, &str)] = &[
    ("add the reason here, in quotes", "在此处加上原因, 写在引号内"),
    ("this condition has no reason text", "这个条件没有原因说明"),
    ("no reason after this condition", "条件后没有原因"),
    (
        "write the sentence a merchant should read when the condition fails, e.g. `{}`",
        "写出条件不满足时商家应看到的一句话, 如 `{0}`",
    ),
];

const INVALID_MODIFIER: &[(&str, &str)] = &[
    (
        "a reward settled per period cannot draw on a budget",
        "按期结算的奖励不能使用预算",
    ),
    ("budget here", "预算在此"),
    (
        "budgets apply to rewards paid once per record",
        "预算只适用于每条记录发放一次的奖励",
    ),
    (
        "`{}` is finer than {} pays (steps of {})",
        "`{0}` 比 {1} 的发放单位更细 (步长 {2})",
    ),
    ("not payable", "无法发放"),
    ("write the cap in whole payable steps", "上限请写成可发放步长的整数倍"),
    ("a fee cannot have `{}`", "费用不能带 `{0}`"),
    (
        "an amount computed per item cannot have `{}`",
        "逐项计算的金额不能带 `{0}`",
    ),
    (
        "each item's amount is rounded on its own and `at most` caps the total, consumed in the list's order; a cap or floor on each item is written in the amount (`min(..., 50 CNY)`); a floor on the total, a budget, payment in parts and expiry apply to amounts paid once per record",
        "每一项的金额各自舍入, `at most` 限制合计并按列表顺序扣减; 每一项的上下限写在金额里 (`min(..., 50 CNY)`); 合计的保底、预算、分期支付和失效只适用于每条记录一次的金额",
    ),
    ("`{}` here", "`{0}` 在此"),
    (
        "a fee is owed by the record, not paid out to it: it is rounded and bounded (`at most`, `at least`) like a reward, but it draws on no budget, is not paid in parts and does not expire",
        "费用是记录应缴的, 而不是发给它的: 它和奖励一样可以舍入、设上下限 (`at most`、`at least`), 但不使用预算、不分期支付、也不会失效",
    ),
    (
        "a reward paid in parts cannot draw on a budget that splits claims",
        "分期发放的奖励不能使用按比例分配申领的预算",
    ),
    ("splits claims", "分配申领"),
    (
        "pay a split share in one payment (remove `paid`), or serve claims whole with `first come first served by ...`",
        "分得的份额请一次发放 (删除 `paid`), 或用 `first come first served by ...` 整额依次满足申领",
    ),
    ("the amount is rounded twice", "金额被舍入了两次"),
    ("second rounding", "第二次舍入"),
    ("keep one rounding", "只保留一次舍入"),
];

const UNIT_MISMATCH: &[(&str, &str)] = &[
    (
        "a balance pays fees in its credit's currency or unit: the credit is {}, but this fee is {}",
        "余额只能抵扣与额度同一币种或单位的费用: 额度是 {0}, 而这笔费用是 {1}",
    ),
    ("another currency or unit", "另一币种或单位"),
    (
        "amounts are never converted between currencies: write the credit and the fees in one currency, or one balance per currency",
        "金额从不在币种之间换算: 请用同一币种写额度和费用, 或每个币种一个余额",
    ),
    ("the first branch's value", "第一个分支的值"),
    ("cannot compare {} with {}", "不能比较 {0} 与 {1}"),
    ("different units", "单位不同"),
    (
        "{} and {} are different currencies; convert one with an explicit rate first",
        "{0} 与 {1} 是不同的币种; 请先用明确的汇率换算其中一个",
    ),
    ("converting into {} needs an exchange rate", "换算为 {0} 需要汇率"),
    ("currency conversion", "币种换算"),
    (
        "multiply by a rate instead; `as` converts money into a declared unit such as points",
        "请改为乘以汇率; `as` 只把金额换算为已声明的单位 (如 points)",
    ),
    (
        "every branch of `if … then … else` must give the same kind of value: this is {}, the first gives {}",
        "`if … then … else` 的每个分支必须给出同类的值: 这里是 {0}, 第一个分支是 {1}",
    ),
    ("different kind", "类型不同"),
    ("give every branch as {}", "每个分支都请给出 {0}"),
    ("cannot add {} and {}", "不能把 {0} 与 {1} 相加"),
    (
        "both sides must be in the same unit; convert with `as UNIT` where the announcement says so",
        "两边必须是同一单位; 若公告如此规定, 请用 `as UNIT` 换算",
    ),
    ("the threshold is {}, but the amount is {}", "门槛是 {0}, 但金额是 {1}"),
    ("wrong unit", "单位不对"),
    ("the threshold must be {}", "门槛必须是 {0}"),
];

const FULL_WIDTH: &[(&str, &str)] = &[
    ("`{}` is a full-width punctuation mark", "`{0}` 是全角标点"),
    ("write `{}` here", "此处请写 `{0}`"),
    (
        "switch the input method to half-width (English) punctuation and type `{}`; full-width marks are fine inside quoted text",
        "请把输入法切换到半角 (英文) 标点并输入 `{0}`; 引号内的文字可以使用全角标点",
    ),
    (
        "this is a full-width space: type an ordinary space instead; full-width marks are fine inside quoted text",
        "这是全角空格: 请改为普通空格; 引号内的文字可以使用全角标点",
    ),
];

const BARE_NUMBER: &[(&str, &str)] = &[
    (
        "`{}` is compared with {} but has no unit",
        "`{0}` 与 {1} 比较, 但没有单位",
    ),
    ("no unit", "没有单位"),
    (
        "write the unit: `{}` (or hours, minutes, weeks)",
        "请写上单位: `{0}` (或 hours、minutes、weeks)",
    ),
    ("write the unit: `{}`", "请写上单位: `{0}`"),
    (
        "a duration is compared with a number without a time unit",
        "时长与一个没有时间单位的数字比较",
    ),
    ("no time unit", "没有时间单位"),
    ("the reward `{}` has no unit", "奖励 `{0}` 没有单位"),
    ("a plain number", "普通数字"),
    (
        "say what is paid: multiply by an amount (`{}`) or convert with `{}`",
        "请说明发放的是什么: 乘以一个金额 (`{0}`) 或用 `{1}` 换算",
    ),
];

const INVALID_DATE: &[(&str, &str)] = &[
    ("`{}` is not a date on the calendar", "`{0}` 不是日历上存在的日期"),
    ("no such date", "没有这一天"),
    (
        "check the month (1–12) and the day of the month",
        "请检查月份 (1–12) 和日期",
    ),
    (
        "`{}` is not a month: months run from 01 to 12",
        "`{0}` 不是月份: 月份为 01 至 12",
    ),
    ("`{}` is not a time of day", "`{0}` 不是一天中的时刻"),
    ("no such time", "没有这个时刻"),
    (
        "`24:00` is the only time after `23:59:59`; it means the end of the day (the next day's 00:00)",
        "`24:00` 是 `23:59:59` 之后唯一的时刻, 表示当天结束 (即次日 00:00)",
    ),
    (
        "`{}` has more than 9 digits after the seconds' point",
        "`{0}` 的秒数小数点后多于 9 位",
    ),
    ("beyond nanoseconds", "超出纳秒精度"),
    (
        "times are counted to the nanosecond: write at most 9 digits after the point",
        "时间精确到纳秒: 小数点后最多写 9 位",
    ),
    ("`{}` is out of range", "`{0}` 超出范围"),
    ("out of range", "超出范围"),
    (
        "dates and times run from 0000-01-01 00:00 UTC to the end of 9999 UTC",
        "日期和时间的范围是 0000-01-01 00:00 UTC 至 9999 年末 (UTC)",
    ),
];

const NEVER_TRUE: &[(&str, &str)] = &[
    (
        "no `{}` is both {} and {}, so this condition can never be true",
        "`{0}` 不可能同时{1}且{2}, 因此这个条件永远不成立",
    ),
    (
        "no `{}` is both {} and {}, so no record passes this filter",
        "`{0}` 不可能同时{1}且{2}, 因此没有记录能通过这个筛选",
    ),
    ("needs `{}` {}", "要求 `{0}` {1}"),
    (
        "every condition in `{}` must hold, so no one can ever be eligible; check both numbers against the announcement",
        "`{0}` 中的每个条件都必须成立, 因此没有人能符合资格; 请对照公告检查这两个数字",
    ),
    (
        "both sides of `{}` must hold, so the aggregate always counts nothing; check the numbers against the announcement, or write `{}` if either is enough",
        "`{0}` 两边都必须成立, 因此汇总永远为空; 请对照公告检查数字, 若满足其一即可请写 `{1}`",
    ),
    (
        "both sides of `{}` must hold; check the numbers against the announcement, or write `{}` if either is enough",
        "`{0}` 两边都必须成立; 请对照公告检查数字, 若满足其一即可请写 `{1}`",
    ),
];

const CYCLIC: &[(&str, &str)] = &[
    (
        "`{}` inside `{}` reads the period `{}` is being computed for",
        "`{1}` 中的 `{0}` 读取了 `{2}` 正在计算的那一期",
    ),
    ("reads its own current period", "读取了自己的当期"),
    (
        "add up another per-period value (`{}`), or read `{}`'s earlier periods with `{}`",
        "请累计另一个按期的值 (`{0}`), 或用 `{2}` 读取 `{1}` 之前各期的值",
    ),
    ("`{}` depends on itself", "`{0}` 依赖于它自己"),
    ("defined in terms of itself", "用自身定义"),
    (
        "a value must be computable from facts and earlier values; break the circle",
        "值必须能由事实和之前的值算出; 请打破循环",
    ),
    (
        "`{}` reads whether `{}` is earned, but `{}` is written after it",
        "`{0}` 读取 `{1}` 是否已获得, 但 `{2}` 写在它之后",
    ),
    ("written later", "写在后面"),
    (
        "rewards are decided in the order written, so a reward reads `is earned` only of rewards above it: move `{}` above `{}`",
        "奖励按书写顺序确定, 只能读取写在上方的奖励的 `is earned`: 请把 `{0}` 移到 `{1}` 之上",
    ),
];

const UNKNOWN_UNIT: &[(&str, &str)] = &[
    ("`{}` is not a currency", "`{0}` 不是币种"),
    ("unknown currency", "未知币种"),
    ("`{}` is not a known unit", "`{0}` 不是已知单位"),
    ("unknown unit", "未知单位"),
    (
        "declare it with `unit {}` at the top of the campaign, or use a currency code such as `CNY`",
        "请在活动开头用 `unit {0}` 声明它, 或使用币种代码 (如 `CNY`)",
    ),
];

const ALWAYS_TRUE: &[(&str, &str)] = &[
    ("already needs `{}` {}", "已要求 `{0}` {1}"),
    (
        "this condition repeats an earlier one: both need `{}` {}",
        "这个条件与前面的条件重复: 两者都要求 `{0}` {1}",
    ),
    ("said before", "前面已有"),
    (
        "every condition must hold, so this one never changes who is eligible; remove it, or correct the number if the announcement says something else",
        "所有条件都必须成立, 这个条件不会改变谁符合资格; 请删除它, 若公告另有规定请改正数字",
    ),
    (
        "this condition is always true: every `{}` {} is also {}",
        "这个条件总是成立: `{0}` 只要{1}, 就必然{2}",
    ),
    ("always true", "总是成立"),
];

const CAP_BELOW_MINIMUM: &[(&str, &str)] = &[
    ("floor", "下限"),
    ("pays at least {} whenever it pays", "只要发放, 至少发放 {0}"),
    ("pays whole steps of {}", "按 {0} 的整数倍发放"),
    (
        "the cap `{}` is below the floor of `{}`, {}",
        "上限 `{0}` 低于 `{1}` 的下限 {2}",
    ),
    ("cap below the floor", "上限低于下限"),
    (
        "a reward cannot be both at least the floor and at most the cap; check both against the announcement",
        "奖励不可能既不低于下限又不超过上限; 请对照公告检查两者",
    ),
    (
        "the cap `{}` is below the smallest amount `{}` pays, {}",
        "上限 `{0}` 低于 `{1}` 的最小发放金额 {2}",
    ),
    ("cap below the smallest payment", "上限低于最小发放金额"),
    (
        "every payment would be cut down to {}, whatever was achieved; check the cap and the amount against the announcement",
        "无论达成多少, 每笔发放都会被压到 {0}; 请对照公告检查上限和金额",
    ),
    (
        "the cap `{}` means `{}` never pays anything",
        "上限 `{0}` 使 `{1}` 永远不发放任何金额",
    ),
    ("caps every payment at 0", "每笔发放的上限为 0"),
    (
        "write the largest amount the announcement allows per merchant, or remove the cap if there is none",
        "请写出公告允许的每个商家的最高金额, 若没有上限请删除",
    ),
];

const WINDOW_OUTSIDE_PERIODS: &[(&str, &str)] = &[
    ("`{}` ends here", "`{0}` 在此结束"),
    ("the last period of `{}` ends here", "`{0}` 的最后一期在此结束"),
    ("`{}` runs from {} through {}", "`{0}` 从 {1} 至 {2}"),
    (
        "the sign-up window `{}` closes after `{}` has ended",
        "报名窗口 `{0}` 在 `{1}` 结束之后才关闭",
    ),
    ("sign-up closes here", "报名在此关闭"),
    (
        "whoever signs up between {} and {} can no longer take part; close the sign-up no later than {}, or check the dates against the announcement",
        "在 {0} 至 {1} 之间报名的商家已无法参与; 请最迟在 {2} 关闭报名, 或对照公告检查日期",
    ),
    (
        "this sign-up window closes after the last period of `{}` has ended",
        "这个报名窗口在 `{0}` 的最后一期结束之后才关闭",
    ),
    (
        "the window `{}` lies entirely outside the period range `{}` ({})",
        "窗口 `{0}` 完全在期间范围 `{1}` ({2}) 之外",
    ),
    ("ends before the first period starts", "在第一期开始之前就已结束"),
    (
        "nothing that happens in this window falls in a settlement period, so it never counts; check the year and the month against the announcement",
        "这个窗口内发生的事都不在结算期内, 因此永远不会计入; 请对照公告检查年份和月份",
    ),
];

const MISSING_ROUNDING: &[(&str, &str)] = &[
    (
        "the reward `{}` can have more decimals than {} pays, and no rounding is given",
        "奖励 `{0}` 的小数位可能多于 {1} 的发放精度, 且没有指定舍入",
    ),
    ("may need rounding", "可能需要舍入"),
    (
        "add `, rounded down` (or `rounded half up`, `rounded up`) after the amount: {} is paid in steps of {}",
        "在金额后加上 `, rounded down` (或 `rounded half up`、`rounded up`): {0} 按 {1} 的步长发放",
    ),
];

const DUPLICATE_DEFINITION: &[(&str, &str)] = &[
    ("first declared here", "首次声明在此"),
    ("first defined here", "首次定义在此"),
    ("the fact `{}` is declared twice", "事实 `{0}` 声明了两次"),
    ("declared again", "再次声明"),
    ("remove one of the declarations", "请删除其中一个声明"),
    ("`{}` is defined more than once", "`{0}` 定义了不止一次"),
    ("defined again here", "在此再次定义"),
    (
        "give each fact, value, window, parameter, period range and reward its own name",
        "请给每个事实、值、窗口、参数、期间范围和奖励各起一个名字",
    ),
    ("`{}` is already the name of a fact", "`{0}` 已经是一个事实的名字"),
    ("choose another name for the definition", "请为这个定义另起名字"),
];

/// Kinds of value as the English messages name them.
const KINDS: &[(&str, &str)] = &[
    ("a count", "计数"),
    ("a text", "文本"),
    ("a timestamp", "时间"),
    ("a percentage", "百分比"),
    ("a yes/no condition", "是/否条件"),
    ("a plain number", "普通数字"),
    ("a number", "数字"),
    ("a duration", "时长"),
    ("a decimal", "数值"),
    ("a fraction", "比例"),
    ("a value", "一个值"),
    ("a fact type", "事实类型"),
];

/// Bounds as the lints word them (`at least 4.2`), longest first.
const BOUNDS: &[(&str, &str)] = &[
    ("at or after ", "不早于 "),
    ("on or before ", "不晚于 "),
    ("at least ", "不低于 "),
    ("at most ", "不超过 "),
    ("exactly ", "等于 "),
    ("below ", "低于 "),
    ("above ", "高于 "),
    ("before ", "早于 "),
    ("after ", "晚于 "),
];

/// A captured piece of an English text as the Chinese text shows it: a kind, a bound or a
/// period end in Chinese words around its values, anything else (names, numbers, dates,
/// code) as it was.
pub fn capture(s: &str) -> String {
    if let Some((_, zh)) = KINDS.iter().find(|(en, _)| *en == s) {
        return (*zh).to_string();
    }
    if let Some(unit) = s.strip_prefix("money in ") {
        return format!("{unit} 金额");
    }
    if let Some(unit) = s.strip_prefix("an amount of ") {
        return format!("{unit} 数量");
    }
    if let Some(rest) = s.strip_prefix("the end of ") {
        return format!("{} 结束时", bound_tail(rest));
    }
    if let Some((en, zh)) = BOUNDS.iter().find(|(en, _)| s.starts_with(en)) {
        return format!("{zh}{}", bound_tail(s.get(en.len()..).unwrap_or("")));
    }
    if let Some((a, b)) = s.split_once(" through ")
        && a.starts_with(|c: char| c.is_ascii_digit())
    {
        return format!("{a} 至 {b}");
    }
    s.to_string()
}

/// A bound's value with its note: `2024-08-22 10:00 (the start of `activity`)` as
/// `2024-08-22 10:00 (`activity` 的开始)`.
fn bound_tail(s: &str) -> String {
    for (en, zh) in [(" (the start of `", "的开始"), (" (the end of `", "的结束")] {
        if let Some((value, rest)) = s.split_once(en)
            && let Some(name) = rest.strip_suffix("`)")
        {
            return format!("{value} (`{name}` {zh})");
        }
    }
    s.to_string()
}

#!/usr/bin/env node
// Writes syntaxes/campaign.tmLanguage.json and syntaxes/campaign-tests.tmLanguage.json.
//
// The TextMate grammars are generated so that the pieces every rule shares (what a name is,
// which words are reserved, what a number is) are written once, here, in the words of
// grammar/campaign.pest and src/testing/syntax.rs. Edit this file, then run
// `npm run grammars`; `npm test` and `npm run compile` fail when the JSON files are stale
// (`node scripts/build-grammars.js --check`).
'use strict';

const fs = require('fs');
const path = require('path');

// ---------------------------------------------------------------- shared pieces

/** Spaces and tabs inside one token group (pest's WHITESPACE, less the line breaks). */
const S = '[ \\t]+';
const S0 = '[ \\t]*';

/** pest: `ident_start = XID_START | "_"`, `ident_char = XID_CONTINUE | "_"`. */
const IDENT_START = '[\\p{XID_Start}_]';
const IDENT_CHAR = '[\\p{XID_Continue}_]';
/** Not in the middle of a name: what `!ident_char` means on either side of a word. */
const B = '(?<![\\p{XID_Continue}_])';
const E = '(?![\\p{XID_Continue}_])';

/**
 * The keyword table, src/syntax/keywords.rs: `TABLE` (every keyword rule in English and Chinese)
 * and `RESERVED` (pest: the `keyword` rule, words that cannot be names, English and Chinese).
 */
const KEYWORDS_RS = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'syntax', 'keywords.rs'), 'utf8');
const TABLE = [...KEYWORDS_RS.matchAll(/kw\("(\w+)", "([^"]+)", "([^"]+)"\)/g)].map((m) => ({
  rule: m[1], english: m[2], chinese: m[3],
}));
const RESERVED_PAIRS = [...KEYWORDS_RS.split('pub const RESERVED')[1].split('];')[0]
  .matchAll(/\("(\w+)", "([^"]+)"\)/g)].map((m) => [m[1], m[2]]);
const RESERVED = RESERVED_PAIRS.map((p) => p[0]);
/**
 * The keywords of the .tests format, src/testing/keywords.rs: `TABLE`, each in English and
 * Chinese (a file uses one set; the grammar colours either).
 */
const TESTS_KEYWORDS_RS = fs.readFileSync(
  path.join(__dirname, '..', '..', '..', 'src', 'testing', 'keywords.rs'), 'utf8');
const TESTS_WORDS = Object.fromEntries([...TESTS_KEYWORDS_RS.matchAll(/kw\(Word::\w+, "([^"]+)", "([^"]+)"\)/g)]
  .map((m) => [m[1], m[2]]));
/** `.tests` keywords in both sets, in the order given (a longer word before its prefix). */
function tw(...english) {
  for (const e of english) {
    if (!TESTS_WORDS[e]) throw new Error(`no .tests keyword ${e} in src/testing/keywords.rs`);
  }
  return `(?:${english.flatMap((e) => [e, TESTS_WORDS[e]]).join('|')})`;
}
/** Longest first, as the grammar tries them, each once. */
function longestFirst(words) {
  return [...new Set(words)].sort((a, b) => [...b].length - [...a].length);
}
const RESERVED_ZH = longestFirst(RESERVED_PAIRS.map((p) => p[1]));
/** Every Chinese keyword (docs/language.zh.md). */
const CHINESE_KEYWORDS = longestFirst(TABLE.map((e) => e.chinese));
/** keywords.rs ALSO_UNITS: the Chinese keywords that are also units (`2 周`). */
const ALSO_UNITS = [...KEYWORDS_RS.split('pub const ALSO_UNITS')[1].split(';')[0].matchAll(/"([^"]+)"/g)]
  .map((m) => m[1]);
/** pest: unit_word, `!(keyword_zh_any ~ !ident_char)`: no Chinese keyword but those is a unit. */
const NOT_ZH_KEYWORD = `(?!(?:${CHINESE_KEYWORDS.filter((k) => !ALSO_UNITS.includes(k)).join('|')})${E})`;
const NOT_RESERVED = `(?!(?:${RESERVED.join('|')}|${RESERVED_ZH.join('|')})${E})`;
/** pest: `ident = @{ !(keyword ~ !ident_char) ~ ident_start ~ ident_char* }`. */
const IDENT = `${NOT_RESERVED}${IDENT_START}${IDENT_CHAR}*`;
/** pest: `path = { ident ~ ("." ~ ident)* }`. */
const PATH = `${IDENT}(?:${S0}\\.${S0}${IDENT})*`;

/** pest: `number = @{ ASCII_DIGIT+ ~ ("_" ~ ASCII_DIGIT+)* ~ ("." ~ ASCII_DIGIT+)? }`. */
const NUMBER = '[0-9]+(?:_[0-9]+)*(?:\\.[0-9]+)?';
/** A number starts where no name goes on (`x1` is a name). */
const NB = B;

/** src/program/types.rs: CURRENCIES, and `元` for CNY. */
const CURRENCIES = [
  'CNY', 'USD', 'EUR', 'GBP', 'JPY', 'HKD', 'TWD', 'KRW', 'SGD', 'AUD', 'CAD', 'CHF', 'INR',
  'IDR', 'THB', 'VND', 'MYR', 'PHP', 'BRL', 'MXN', 'AED', 'SAR', 'NZD', 'SEK', 'NOK', 'DKK',
  'PLN', 'TRY', 'ZAR', '元',
];
/** src/program/types.rs: duration_unit. */
const DURATIONS = [
  'seconds', 'second', '秒', 'minutes', 'minute', '分钟', 'hours', 'hour', '小时',
  'days', 'day', '天', 'weeks', 'week', '周',
];
/** src/program/mod.rs: Func::ALL, PeriodFunc::ALL, PoolStat::ALL, and `min` / `max` (pest: call_name). */
const FUNCTIONS = [
  'start_of_day', 'start_of_week', 'start_of_month', 'add_days', 'add_months',
  'days_between', 'months_between', 'business_days_between', 'add_business_days',
  'is_business_day', 'start_of_year', 'start_of', 'end_of', 'previous', 'cumulative',
  'period_number', 'min', 'max', 'pool_claims', 'pool_claimants',
];
/** src/syntax/parser.rs: full_width, punctuation a Chinese keyboard types, refused outside texts. */
const FULL_WIDTH = '：，（）｛｝“”＂＝＞＜％．。＋－＊／；　';

const CURRENCY_WORD = `(?:${CURRENCIES.join('|')})${E}`;
const DURATION_WORD = `(?:${DURATIONS.join('|')})${E}`;

/** pest: timestamp_lit, date_lit, time_lit, offset_lit. */
const DATE = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}';
const TIME = '[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]+)?)?';
const OFFSET = 'Z|[+-][0-9]{2}:[0-9]{2}';

function timestampRule(suffix) {
  return {
    name: `meta.timestamp.${suffix}`,
    match: `${NB}(${DATE})(?:([ T])(${TIME})(?:( ?)(${OFFSET}))?)?(?![0-9])`,
    captures: {
      1: { name: `constant.numeric.date.${suffix}` },
      2: { name: `punctuation.separator.date-time.${suffix}` },
      3: { name: `constant.numeric.time.${suffix}` },
      5: { name: `constant.numeric.time-offset.${suffix}` },
    },
  };
}

function commentRule(suffix) {
  return {
    name: `comment.line.number-sign.${suffix}`,
    match: '(#).*$',
    captures: { 1: { name: `punctuation.definition.comment.${suffix}` } },
  };
}

/** The scope of a unit word: a currency, a duration, percentage points, a multiplier or a declared unit. */
function unitPatterns(suffix) {
  return [
    { name: `keyword.other.unit.currency.${suffix}`, match: `${B}${CURRENCY_WORD}` },
    { name: `keyword.other.unit.duration.${suffix}`, match: `${B}${DURATION_WORD}` },
    { name: `keyword.other.unit.percentage-point.${suffix}`, match: `${B}pp${E}` },
    // `2 times` / `2 倍`: a plain multiplier said explicitly (docs/language.md, "Multipliers").
    { name: `keyword.other.unit.multiplier.${suffix}`, match: `${B}(?:times|倍)${E}` },
    { name: `keyword.other.unit.${suffix}`, match: `${B}${IDENT}` },
  ];
}

// ---------------------------------------------------------------- source.campaign

const C = 'campaign';

function kw(word, scope) {
  return { name: `${scope}.${C}`, match: `${B}${word}${E}` };
}

const campaignGrammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'Campaign',
  scopeName: 'source.campaign',
  fileTypes: ['campaign'],
  comment:
    'Generated by scripts/build-grammars.js from the rules of grammar/campaign.pest; edit that script, not this file.',
  patterns: [
    { include: '#comment' },
    { include: '#string' },
    { include: '#chinese-keywords' },
    { include: '#declarations' },
    { include: '#expression' },
  ],
  repository: {
    comment: commentRule(C),

    'chinese-keywords': {
      comment: 'The Chinese keyword set (src/syntax/keywords.rs, TABLE): each word a keyword where it stands alone.',
      patterns: [
        kw('(?:真|假)', 'constant.language.boolean'),
        kw(`(?:${CHINESE_KEYWORDS.join('|')})`, 'keyword.other.zh'),
      ],
    },

    string: {
      name: `string.quoted.double.${C}`,
      begin: '"',
      beginCaptures: { 0: { name: `punctuation.definition.string.begin.${C}` } },
      end: '(")|$',
      endCaptures: { 1: { name: `punctuation.definition.string.end.${C}` } },
      patterns: [{ name: `constant.character.escape.${C}`, match: '\\\\.' }],
    },

    'full-width': {
      name: `invalid.illegal.full-width-punctuation.${C}`,
      match: `[${FULL_WIDTH}]`,
    },

    declarations: {
      patterns: [
        {
          comment: 'campaign "name" {',
          match: `${B}(campaign)${E}(?=${S0}")`,
          captures: { 1: { name: `keyword.other.campaign.${C}` } },
        },
        {
          comment: 'timezone Asia/Shanghai (pest: zone_name)',
          match: `${B}(timezone)${E}(?:${S}([A-Za-z0-9/_+\\-]+))?`,
          captures: {
            1: { name: `keyword.other.timezone.${C}` },
            2: { name: `string.unquoted.timezone.${C}` },
          },
        },
        {
          comment: 'source "..." and note "..."',
          match: `${B}(source|note)${E}(?=${S0}")`,
          captures: { 1: { name: `keyword.other.$1.${C}` } },
        },
        {
          comment: 'unit points, precision 0.01',
          match: `${B}(unit)${S}(${IDENT})(?:${S0}(,)${S0}(precision)${E})?`,
          captures: {
            1: { name: `storage.type.unit.${C}` },
            2: { name: `entity.name.type.unit.${C}` },
            3: { name: `punctuation.separator.comma.${C}` },
            4: { name: `keyword.other.precision.${C}` },
          },
        },
        {
          comment: 'parameter monthly_packs: count = 50',
          begin: `${B}(parameter)${S}(${IDENT})${S0}(:)`,
          beginCaptures: {
            1: { name: `storage.type.parameter.${C}` },
            2: { name: `entity.name.variable.parameter.${C}` },
            3: { name: `punctuation.separator.colon.${C}` },
          },
          end: '(=)|(?=#)|$',
          endCaptures: { 1: { name: `keyword.operator.assignment.${C}` } },
          patterns: [{ include: '#fact-type' }],
        },
        {
          comment: 'window signup = ...',
          match: `${B}(window)${S}(${IDENT})(?:${S0}(=))?`,
          captures: {
            1: { name: `storage.type.window.${C}` },
            2: { name: `entity.name.variable.window.${C}` },
            3: { name: `keyword.operator.assignment.${C}` },
          },
        },
        {
          comment: 'periods settlement = months 2022-12 through 2023-06',
          name: `meta.periods.${C}`,
          begin: `${B}(periods)${S}(${IDENT})(?:${S0}(=))?`,
          beginCaptures: {
            1: { name: `storage.type.periods.${C}` },
            2: { name: `entity.name.variable.periods.${C}` },
            3: { name: `keyword.operator.assignment.${C}` },
          },
          end: '$',
          patterns: [
            { include: '#comment' },
            kw('(?:months|weeks|days|years)', 'keyword.other.period-unit'),
            kw('through', 'keyword.operator.range.through'),
            timestampRule(C),
            {
              comment: 'pest: month_lit, a period bound',
              name: `constant.numeric.month.${C}`,
              match: `${NB}[0-9]{4}-[0-9]{1,2}(?![0-9-])`,
            },
            {
              comment: 'pest: year_lit, a period bound',
              name: `constant.numeric.year.${C}`,
              match: `${NB}[0-9]{4}(?![0-9-])`,
            },
            { include: '#expression' },
          ],
        },
        {
          comment: 'facts { name: type, ... }',
          name: `meta.facts.${C}`,
          begin: `${B}(facts)${S0}(\\{)`,
          beginCaptures: {
            1: { name: `keyword.other.facts.${C}` },
            2: { name: `punctuation.section.braces.begin.${C}` },
          },
          end: '\\}',
          endCaptures: { 0: { name: `punctuation.section.braces.end.${C}` } },
          patterns: [{ include: '#fact-fields' }],
        },
        ...['value', 'let'].map((word) => ({
          comment: `${word} NAME = ..., ${word} NAME of LIST = ..., ${word} NAME per P in RANGE = ...`,
          match:
            `${B}(${word})${S}(${IDENT})` +
            `(?:${S}(of)${S}(${PATH})|${S}(per)${S}(${IDENT})${S}(in)${S}(${IDENT}))?` +
            `(?:${S0}(=))?`,
          captures: {
            1: { name: `storage.type.${word}.${C}` },
            2: { name: `entity.name.variable.${word}.${C}` },
            3: { name: `keyword.other.of.${C}` },
            4: { patterns: [{ include: '#accessor' }, { include: '#name' }] },
            5: { name: `keyword.other.per.${C}` },
            6: { name: `variable.parameter.period.${C}` },
            7: { name: `keyword.operator.in.${C}` },
            8: { name: `variable.other.${C}` },
            9: { name: `keyword.operator.assignment.${C}` },
          },
        })),
        {
          comment: 'reward NAME per item of LIST = ..., fee NAME per item of LIST = ... (`item` is a name elsewhere)',
          match: `${B}(reward|fee)${S}(${IDENT})${S}(per)${S}(item)${S}(of)${S}(${PATH})(?:${S0}(=))?`,
          captures: {
            1: { name: `storage.type.reward.${C}` },
            2: { name: `entity.name.variable.reward.${C}` },
            3: { name: `keyword.other.per.${C}` },
            4: { name: `keyword.other.item.${C}` },
            5: { name: `keyword.other.of.${C}` },
            6: { name: `variable.other.${C}` },
            7: { name: `keyword.operator.assignment.${C}` },
          },
        },
        {
          comment: 'reward NAME = ..., reward NAME per P in RANGE = ..., fee NAME = ...',
          match:
            `${B}(reward|fee)${S}(${IDENT})` +
            `(?:${S}(per)${S}(${IDENT})${S}(in)${S}(${IDENT}))?` +
            `(?:${S0}(=))?`,
          captures: {
            1: { name: `storage.type.reward.${C}` },
            2: { name: `entity.name.variable.reward.${C}` },
            3: { name: `keyword.other.per.${C}` },
            4: { name: `variable.parameter.period.${C}` },
            5: { name: `keyword.operator.in.${C}` },
            6: { name: `variable.other.${C}` },
            7: { name: `keyword.operator.assignment.${C}` },
          },
        },
        {
          comment: 'eligible when { ... }',
          match: `${B}(eligible)${S}(when)${E}`,
          captures: {
            1: { name: `keyword.control.eligible.${C}` },
            2: { name: `keyword.control.when.${C}` },
          },
        },
      ],
    },

    'fact-fields': {
      patterns: [
        { include: '#comment' },
        {
          comment: 'list of { fields }',
          name: `meta.list-type.${C}`,
          begin: `${B}(list${S}of)${E}${S0}(\\{)`,
          beginCaptures: {
            1: { name: `support.type.list.${C}` },
            2: { name: `punctuation.section.braces.begin.${C}` },
          },
          end: '\\}',
          endCaptures: { 0: { name: `punctuation.section.braces.end.${C}` } },
          patterns: [{ include: '#fact-fields' }],
        },
        {
          comment: 'a field: `name:`',
          match: `${B}(${IDENT})${S0}(:)`,
          captures: {
            1: { name: `entity.name.variable.fact.${C}` },
            2: { name: `punctuation.separator.colon.${C}` },
          },
        },
        { include: '#fact-type' },
      ],
    },

    'fact-type': {
      patterns: [
        { include: '#comment' },
        { include: '#string' },
        {
          comment: 'money CNY, quantity points',
          match: `${B}(money|quantity)${E}(?:${S}(${IDENT}))?`,
          captures: {
            1: { name: `support.type.$1.${C}` },
            2: { patterns: unitPatterns(C) },
          },
        },
        kw('(?:text|bool|count|decimal|fraction|timestamp|duration)', 'support.type.primitive'),
        kw(`one${S}of`, 'support.type.enum'),
        kw(`list${S}of`, 'support.type.list'),
        {
          comment: ', optional',
          match: `(,)${S0}(optional)${E}`,
          captures: {
            1: { name: `punctuation.separator.comma.${C}` },
            2: { name: `storage.modifier.optional.${C}` },
          },
        },
        { name: `punctuation.separator.comma.${C}`, match: ',' },
        { include: '#full-width' },
      ],
    },

    expression: {
      patterns: [
        { include: '#comment' },
        { include: '#string' },
        { include: '#full-width' },
        { include: '#literals' },
        { include: '#phrases' },
        { include: '#modifiers' },
        { include: '#calls' },
        { include: '#reserved' },
        { include: '#operators' },
        { include: '#accessor' },
        { include: '#punctuation' },
        { include: '#name' },
      ],
    },

    literals: {
      patterns: [
        timestampRule(C),
        {
          comment: '0.9% (pest: percent_lit, no space before %)',
          name: `meta.percentage.${C}`,
          match: `${NB}(${NUMBER})(%)`,
          captures: {
            1: { name: `constant.numeric.decimal.${C}` },
            2: { name: `keyword.other.unit.percent.${C}` },
          },
        },
        {
          comment:
            '10000 CNY, 30 days, 5 pp, 600000 points (pest: quantity_lit: a number and a unit word on one line; a reserved word is no unit)',
          name: `meta.quantity.${C}`,
          match: `${NB}(${NUMBER})${S}(${NOT_ZH_KEYWORD}${IDENT})`,
          captures: {
            1: { name: `constant.numeric.decimal.${C}` },
            2: { patterns: unitPatterns(C) },
          },
        },
        { name: `constant.numeric.decimal.${C}`, match: `${NB}${NUMBER}` },
        kw('true', 'constant.language.boolean.true'),
        kw('false', 'constant.language.boolean.false'),
      ],
    },

    phrases: {
      comment: 'Keywords of more than one word, and words that are keywords only next to others.',
      patterns: [
        kw(`if${S}unknown`, 'keyword.control.if-unknown'),
        kw(`is${S}known`, 'keyword.operator.is-known'),
        kw(`is${S}unknown`, 'keyword.operator.is-unknown'),
        kw(`is${S}waitlisted`, 'keyword.operator.is-waitlisted'),
        kw(`is${S}earned`, 'keyword.operator.is-earned'),
        kw(`not${S}in`, 'keyword.operator.not-in'),
        kw(`in${S}total`, 'keyword.other.in-total'),
        kw(`split${S}pro${S}rata`, 'keyword.other.split-pro-rata'),
        kw(`split${S}equally`, 'keyword.other.split-equally'),
        kw(`at${S}most`, 'keyword.other.at-most'),
        kw(`at${S}least`, 'keyword.other.at-least'),
        {
          comment: 'first come first served by',
          match: `${B}(first${S}come${S}first${S}served)${E}(?:${S}(by)${E})?`,
          captures: {
            1: { name: `keyword.other.first-come-first-served.${C}` },
            2: { name: `keyword.other.by.${C}` },
          },
        },
        {
          comment: 'rank by, then by',
          match: `${B}(rank|then)${S}(by)${E}`,
          captures: {
            1: { name: `keyword.other.$1.${C}` },
            2: { name: `keyword.other.by.${C}` },
          },
        },
        {
          comment: 'running sum of, portion of (pest: kw_running_sum, kw_portion_of)',
          match: `${B}(running${S}sum|portion)${S}(of)${E}`,
          captures: {
            1: { name: `keyword.operator.ordered.${C}` },
            2: { name: `keyword.other.of.${C}` },
          },
        },
        kw(`within${S}first`, 'keyword.other.within-first'),
        kw(`ordered${S}by`, 'keyword.other.ordered-by'),
        {
          comment: 'balance of (pest: kw_balance_of; `balance` is a name elsewhere)',
          match: `${B}(balance)${S}(of)${E}`,
          captures: {
            1: { name: `keyword.operator.balance.${C}` },
            2: { name: `keyword.other.of.${C}` },
          },
        },
        kw(`applied${S}to`, 'keyword.other.applied-to'),
        kw(`expiring${S}after`, 'keyword.other.expiring-after'),
        kw(`lost${S}at`, 'keyword.other.lost-at'),
        {
          comment: 'previous x (pest: kw_previous; a name elsewhere)',
          match: `${B}(previous)(?=${S}[\\p{XID_Start}_(])`,
          captures: { 1: { name: `keyword.operator.ordered.previous.${C}` } },
        },
        {
          comment: 'top KEY of LIST (pest: kw_top; a name elsewhere)',
          match: `${B}(top)(?=${S}[\\p{XID_Start}_(])`,
          captures: { 1: { name: `keyword.operator.group.top.${C}` } },
        },
        {
          comment: 'by of top KEY of LIST by sum of X / by count (the aggregate words as elsewhere)',
          match: `${B}(by)(?=${S}(?:sum${S}of|count)${E})`,
          captures: { 1: { name: `keyword.other.by.${C}` } },
        },
        {
          comment: 'distinct count of',
          match: `${B}(distinct${S}count)${S}(of)${E}`,
          captures: {
            1: { name: `keyword.operator.aggregate.distinct-count.${C}` },
            2: { name: `keyword.other.of.${C}` },
          },
        },
        {
          comment: 'sum of, count of, min of, max of, any of, all of, average of',
          match: `${B}(sum|count|min|max|any|all|average)${S}(of)${E}`,
          captures: {
            1: { name: `keyword.operator.aggregate.$1.${C}` },
            2: { name: `keyword.other.of.${C}` },
          },
        },
        {
          comment: 'band of, marginal of',
          match: `${B}(band|marginal)${S}(of)${E}`,
          captures: {
            1: { name: `keyword.other.$1.${C}` },
            2: { name: `keyword.other.of.${C}` },
          },
        },
        {
          comment: 'budget ... per month of applied_at',
          match: `${B}(per)${S}(month|week|day)${S}(of)${E}`,
          captures: {
            1: { name: `keyword.other.per.${C}` },
            2: { name: `keyword.other.period-unit.${C}` },
            3: { name: `keyword.other.of.${C}` },
          },
        },
        {
          comment: 'per month in settlement',
          match: `${B}(per)${S}(${IDENT})${S}(in)${E}`,
          captures: {
            1: { name: `keyword.other.per.${C}` },
            2: { name: `variable.parameter.period.${C}` },
            3: { name: `keyword.operator.in.${C}` },
          },
        },
        {
          comment: 'amount as points: a conversion into a unit',
          match: `${B}(as)${S}(${IDENT})`,
          captures: {
            1: { name: `keyword.operator.as.${C}` },
            2: { patterns: unitPatterns(C) },
          },
        },
      ],
    },

    modifiers: {
      comment: 'What follows a value or reward after a comma.',
      patterns: [
        {
          comment: 'rounded down, rounded half up to 0.01',
          match: `${B}(rounded)${S}(half${S}(?:up|even|down)|down|up)${E}(?:${S}(to)${E})?`,
          captures: {
            1: { name: `keyword.other.rounded.${C}` },
            2: { name: `keyword.other.rounding-mode.${C}` },
            3: { name: `keyword.other.to.${C}` },
          },
        },
        {
          comment: 'paid 90% on ... and 10% on ...',
          match: `${B}(paid)${E}(?=${S}[0-9])`,
          captures: { 1: { name: `keyword.other.paid.${C}` } },
        },
        {
          match: `(?<=%)${S}(on)${E}`,
          captures: { 1: { name: `keyword.other.on.${C}` } },
        },
        {
          comment:
            'budget ..., expires ...: at the start of a line or after a comma, and not followed by an operator (where they would be names)',
          match: `(?:^|(?<=,))${S0}(budget|expires)${E}(?!${S0}(?:[=<>≥≤≠!+\\-×÷*/.,)}]|->|→|#|$))`,
          captures: { 1: { name: `keyword.other.$1.${C}` } },
        },
      ],
    },

    calls: {
      patterns: [
        {
          comment: 'start_of_day(t), min(a, b) (pest: call_name, directly followed by "(")',
          match: `${B}(${FUNCTIONS.join('|')})(?=\\()`,
          captures: { 1: { name: `support.function.builtin.${C}` } },
        },
        {
          match: `${B}(${IDENT})(?=\\()`,
          captures: { 1: { name: `entity.name.function.${C}` } },
        },
        { name: `variable.language.as-of.${C}`, match: `${B}as_of${E}` },
      ],
    },

    reserved: {
      comment: 'The reserved words (pest: keyword) where no phrase above took them.',
      patterns: [
        kw('(?:and|or|not)', 'keyword.operator.logical'),
        kw('in', 'keyword.operator.in'),
        kw('through', 'keyword.operator.range.through'),
        kw('where', 'keyword.control.where'),
        kw('otherwise', 'keyword.control.otherwise'),
        {
          match: `${B}(lookup|rank|within|ascending|descending|band|marginal|of|per|as|is|known|unknown|if|then|else|when|distinct|sum|count|min|max|any|all|average)${E}`,
          captures: { 1: { name: `keyword.other.$1.${C}` } },
        },
      ],
    },

    operators: {
      patterns: [
        { name: `keyword.operator.arrow.${C}`, match: '->|→' },
        { name: `keyword.operator.comparison.${C}`, match: '>=|≥|<=|≤|!=|≠|=|<|>' },
        { name: `keyword.operator.range.${C}`, match: '\\.\\.' },
        { name: `keyword.operator.arithmetic.${C}`, match: '[+\\-×*÷/]' },
      ],
    },

    accessor: {
      comment: 'orders.amount',
      match: `(\\.)${S0}(${IDENT})?`,
      captures: {
        1: { name: `punctuation.accessor.${C}` },
        2: { name: `variable.other.property.${C}` },
      },
    },

    punctuation: {
      patterns: [
        { name: `punctuation.separator.comma.${C}`, match: ',' },
        { name: `punctuation.separator.colon.${C}`, match: ':' },
        { name: `punctuation.section.braces.begin.${C}`, match: '\\{' },
        { name: `punctuation.section.braces.end.${C}`, match: '\\}' },
        { name: `punctuation.section.parens.begin.${C}`, match: '\\(' },
        { name: `punctuation.section.parens.end.${C}`, match: '\\)' },
      ],
    },

    name: {
      comment: 'A name: letters of any script, digits and _, not starting with a digit.',
      name: `variable.other.${C}`,
      match: `${B}${IDENT}`,
    },
  },
};

// ---------------------------------------------------------------- source.campaign-tests

const T = 'campaign-tests';

/** src/testing/syntax.rs: is_ident_start / is_ident_char (Rust's is_alphabetic / is_alphanumeric). */
const T_IDENT = '[\\p{Alphabetic}_][\\p{Alphabetic}\\p{N}_]*';
const TB = '(?<![\\p{Alphabetic}\\p{N}_])';
const TE = '(?![\\p{Alphabetic}\\p{N}_])';
const JSON_STRING = '"(?:[^"\\\\]|\\\\.)*"';
/** A number as a test writes it (and JSON's, with an exponent, for facts in cells). */
const T_NUMBER = '[+-]?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?';

function tkw(word, scope) {
  return { name: `${scope}.${T}`, match: `${TB}${word}${TE}` };
}

const testsGrammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'Campaign Tests',
  scopeName: 'source.campaign-tests',
  fileTypes: ['tests'],
  comment:
    'Generated by scripts/build-grammars.js from the rules of src/testing/syntax.rs; edit that script, not this file.',
  patterns: [{ include: '#comment' }, { include: '#case' }, { include: '#table' }],
  repository: {
    comment: commentRule(T),

    string: {
      name: `string.quoted.double.${T}`,
      begin: '"',
      beginCaptures: { 0: { name: `punctuation.definition.string.begin.${T}` } },
      end: '(")|$',
      endCaptures: { 1: { name: `punctuation.definition.string.end.${T}` } },
      patterns: [
        {
          name: `constant.character.escape.${T}`,
          match: '\\\\(?:["\\\\/bfnrt]|u[0-9a-fA-F]{4})',
        },
        { name: `invalid.illegal.unrecognized-string-escape.${T}`, match: '\\\\.' },
      ],
    },

    case: {
      comment: 'case "NAME" { facts / with / expect lines }',
      name: `meta.case.${T}`,
      begin: `^${S0}(${tw('case')})${TE}(?:${S0}(${JSON_STRING}))?(?:${S0}(\\{))?`,
      beginCaptures: {
        1: { name: `keyword.other.case.${T}` },
        2: {
          name: `string.quoted.double.${T} entity.name.section.case.${T}`,
          patterns: [{ include: '#string-escapes' }],
        },
        3: { name: `punctuation.section.block.begin.${T}` },
      },
      end: `^${S0}(\\})|^(?=${S0}${tw('case', 'table')}[ \\t"])`,
      endCaptures: { 1: { name: `punctuation.section.block.end.${T}` } },
      patterns: [
        { include: '#comment' },
        { include: '#facts' },
        { include: '#with' },
        { include: '#expect' },
      ],
    },

    table: {
      comment: 'table "NAME" { facts / with lines, a header row, rows }',
      name: `meta.table.${T}`,
      begin: `^${S0}(${tw('table')})${TE}(?:${S0}(${JSON_STRING}))?(?:${S0}(\\{))?`,
      beginCaptures: {
        1: { name: `keyword.other.table.${T}` },
        2: {
          name: `string.quoted.double.${T} entity.name.section.table.${T}`,
          patterns: [{ include: '#string-escapes' }],
        },
        3: { name: `punctuation.section.block.begin.${T}` },
      },
      end: `^${S0}(\\})|^(?=${S0}${tw('case', 'table')}[ \\t"])`,
      endCaptures: { 1: { name: `punctuation.section.block.end.${T}` } },
      patterns: [
        { include: '#comment' },
        { include: '#facts' },
        { include: '#with' },
        { include: '#grid' },
      ],
    },

    'string-escapes': {
      patterns: [{ name: `constant.character.escape.${T}`, match: '\\\\.' }],
    },

    facts: {
      comment: 'facts {JSON} or facts [{JSON}, ...], maybe over several lines, with # comments',
      name: `meta.facts.${T}`,
      begin: `^${S0}(${tw('facts')})${TE}`,
      beginCaptures: { 1: { name: `keyword.other.facts.${T}` } },
      end: `(?<=[}\\]])|(?=${S0}(?:#|$))`,
      patterns: [{ include: '#json-object' }, { include: '#json-array' }],
    },

    with: {
      comment: 'with NAME = VALUE',
      begin: `^${S0}(${tw('with')})${TE}(?:${S0}(${T_IDENT}))?(?:${S0}(=))?`,
      beginCaptures: {
        1: { name: `keyword.other.with.${T}` },
        2: { name: `variable.parameter.${T}` },
        3: { name: `keyword.operator.assignment.${T}` },
      },
      end: '$',
      patterns: [
        { include: '#comment' },
        { include: '#string' },
        timestampRule(T),
        { include: '#value' },
        { name: `string.unquoted.parameter-value.${T}`, match: '[^\\s#]+' },
      ],
    },

    expect: {
      comment: 'expect ["record"] [not] TARGET [= VALUE]',
      begin: `^${S0}(${tw('expect')})${TE}(?:${S0}(${JSON_STRING}))?`,
      beginCaptures: {
        1: { name: `keyword.other.expect.${T}` },
        2: {
          name: `string.quoted.double.record-id.${T}`,
          patterns: [{ include: '#string-escapes' }],
        },
      },
      end: '$',
      patterns: [
        { include: '#comment' },
        {
          comment: '= VALUE (a list of texts may run over several lines)',
          begin: '=',
          beginCaptures: { 0: { name: `keyword.operator.comparison.${T}` } },
          end: '(?=#)|$',
          patterns: [{ include: '#value' }],
        },
        tkw(tw('not'), 'keyword.operator.logical.not'),
        tkw(tw('eligible', 'liable', 'reasons', 'reason', 'error'), 'variable.language.target'),
        { include: '#target' },
        { include: '#string' },
      ],
    },

    target: {
      comment: 'a reward or value, maybe one period of it: cash[2022-12], cash.by_period["2022-12"]',
      match: `${TB}(${T_IDENT})(?:(\\.by_period)?(\\[)${S0}(${JSON_STRING}|[\\p{Alphabetic}\\p{N}_\\-]*)${S0}(\\]))?`,
      captures: {
        1: { name: `variable.other.target.${T}` },
        2: { name: `variable.other.property.${T}` },
        3: { name: `punctuation.section.brackets.begin.${T}` },
        4: { name: `constant.other.period.${T}` },
        5: { name: `punctuation.section.brackets.end.${T}` },
      },
    },

    grid: {
      comment:
        'The header row (the first line that starts with |: column names) and the rows under it, to the end of the table.',
      begin: `^(?=${S0}\\|)`,
      end: `^(?=${S0}\\})|^(?=${S0}${tw('case', 'table')}[ \\t"])`,
      patterns: [
        {
          match: '\\G([ \\t]*\\|[^#\\n]*)',
          captures: { 1: { patterns: [{ include: '#header-cells' }] } },
        },
        { include: '#comment' },
        {
          comment: 'a markdown rule |---|:--:|',
          name: `punctuation.separator.table-rule.${T}`,
          match: `(?<=\\|)${S0}:?-+:?${S0}(?=\\|)`,
        },
        { name: `punctuation.separator.cell.${T}`, match: '\\|' },
        { include: '#value' },
      ],
    },

    'header-cells': {
      patterns: [
        { name: `punctuation.separator.cell.${T}`, match: '\\|' },
        {
          name: `punctuation.separator.table-rule.${T}`,
          match: `(?<=\\|)${S0}:?-+:?${S0}(?=\\|)`,
        },
        tkw(tw('eligible', 'liable', 'reasons', 'error'), 'variable.language.target'),
        { name: `punctuation.accessor.${T}`, match: '\\.' },
        {
          match: `(\\[)${S0}(${JSON_STRING}|[\\p{Alphabetic}\\p{N}_\\-]*)${S0}(\\])`,
          captures: {
            1: { name: `punctuation.section.brackets.begin.${T}` },
            2: { name: `constant.other.index.${T}` },
            3: { name: `punctuation.section.brackets.end.${T}` },
          },
        },
        { name: `variable.other.column.${T}`, match: T_IDENT },
      ],
    },

    value: {
      comment: 'An expected value or a cell: JSON, a number with its unit, missing, unknown.',
      patterns: [
        { include: '#string' },
        { include: '#json-array' },
        { include: '#json-object' },
        {
          name: `meta.percentage.${T}`,
          match: `(?<![\\p{Alphabetic}\\p{N}_.])(${T_NUMBER})(%)`,
          captures: {
            1: { name: `constant.numeric.decimal.${T}` },
            2: { name: `keyword.other.unit.percent.${T}` },
          },
        },
        {
          name: `meta.quantity.${T}`,
          match: `(?<![\\p{Alphabetic}\\p{N}_.])(${T_NUMBER})${S0}(${T_IDENT})`,
          captures: {
            1: { name: `constant.numeric.decimal.${T}` },
            2: { patterns: unitPatterns(T) },
          },
        },
        {
          name: `constant.numeric.decimal.${T}`,
          match: `(?<![\\p{Alphabetic}\\p{N}_.])${T_NUMBER}`,
        },
        tkw('true', 'constant.language.boolean.true'),
        tkw('false', 'constant.language.boolean.false'),
        tkw('(?:null|unknown)', 'constant.language.null'),
        tkw('missing', 'constant.language.missing'),
        { name: `punctuation.separator.comma.${T}`, match: ',' },
      ],
    },

    'json-value': {
      patterns: [
        { include: '#comment' },
        { include: '#json-object' },
        { include: '#json-array' },
        { include: '#string' },
        {
          name: `constant.numeric.json.${T}`,
          match: '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?',
        },
        tkw('(?:true|false|null)', 'constant.language.json'),
      ],
    },

    'json-object': {
      begin: '\\{',
      beginCaptures: { 0: { name: `punctuation.definition.dictionary.begin.json.${T}` } },
      end: '\\}',
      endCaptures: { 0: { name: `punctuation.definition.dictionary.end.json.${T}` } },
      patterns: [
        { include: '#comment' },
        {
          comment: 'a key',
          match: `(${JSON_STRING})${S0}(?=:)`,
          captures: {
            1: {
              name: `string.quoted.double.json.${T} support.type.property-name.json.${T}`,
              patterns: [{ include: '#string-escapes' }],
            },
          },
        },
        { name: `punctuation.separator.dictionary.key-value.json.${T}`, match: ':' },
        { name: `punctuation.separator.dictionary.pair.json.${T}`, match: ',' },
        { include: '#json-value' },
      ],
    },

    'json-array': {
      begin: '\\[',
      beginCaptures: { 0: { name: `punctuation.definition.array.begin.json.${T}` } },
      end: '\\]',
      endCaptures: { 0: { name: `punctuation.definition.array.end.json.${T}` } },
      patterns: [
        { name: `punctuation.separator.array.json.${T}`, match: ',' },
        { include: '#json-value' },
      ],
    },
  },
};

// ---------------------------------------------------------------- write or check

const outputs = [
  ['syntaxes/campaign.tmLanguage.json', campaignGrammar],
  ['syntaxes/campaign-tests.tmLanguage.json', testsGrammar],
];

const check = process.argv.includes('--check');
const root = path.join(__dirname, '..');
let stale = 0;
for (const [file, grammar] of outputs) {
  const text = JSON.stringify(grammar, null, 2) + '\n';
  const target = path.join(root, file);
  if (check) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current !== text) {
      console.error(`${file} is stale: run \`npm run grammars\` (it is generated by scripts/build-grammars.js)`);
      stale += 1;
    }
  } else {
    fs.writeFileSync(target, text);
    console.log(`wrote ${file}`);
  }
}
if (stale > 0) {
  process.exit(1);
}

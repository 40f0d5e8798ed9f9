package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Full-text matching.
//
// Documents are split into words by the database: SQLite's FTS5 unicode61
// tokenizer (letters, digits and private-use characters are word
// characters; everything else separates words; case folded; diacritics
// kept) and, on PostgreSQL, the 'simple' text-search configuration run over
// the text after parley_search_doc() has turned punctuation and symbols
// into spaces, which makes PostgreSQL split words the same way (no
// stemming, no stop words: Zendesk does neither). Query text is split the
// same way here, in Go, so that no input ever reaches the database as
// query syntax: only words made of letters and digits are sent, quoted.
//
// A bare word matches a whole word or a word prefix ("top" matches
// "topology", never "desktop"); a word holding punctuation (e-mail,
// jane.doe) is the phrase of its parts with the last part a prefix; a
// quoted phrase matches its words consecutively and exactly. A term with no
// letters or digits at all (---, ***) has nothing to match and is ignored.

// maxTokenBytes bounds one query word. PostgreSQL does not index words
// longer than 2047 bytes; longer query words are cut to this many bytes and
// matched as prefixes.
const maxTokenBytes = 255

// maxDocChars is how much of each document part is indexed, in characters,
// on both engines (substr in the SQLite triggers, left() in
// parley_search_doc), which keeps every tsvector far below PostgreSQL's
// 1 MB limit so that no write can fail because of the index.
const maxDocChars = 100000

// textQuery is the searchable text of one term.
type textQuery struct {
	tokens []string
	// prefix makes the last token match any word it begins.
	prefix bool
}

// isWordRune reports whether r is part of a word, as FTS5's unicode61
// tokenizer decides by default (categories L*, N* and Co).
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// newTextQuery splits s into words. prefix is true for bare words and
// wildcards, false for quoted phrases.
func newTextQuery(s string, prefix bool) textQuery {
	q := textQuery{prefix: prefix}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) }) {
		if len(w) > maxTokenBytes {
			cut := maxTokenBytes
			for cut > 0 && !utf8.RuneStart(w[cut]) {
				cut--
			}
			w = w[:cut]
			q.prefix = true
		}
		q.tokens = append(q.tokens, w)
	}
	return q
}

// empty reports whether the term has nothing to match.
func (q textQuery) empty() bool { return len(q.tokens) == 0 }

// oneWord reports whether q is a single word of letters and ASCII digits,
// which PostgreSQL's parser reads as one word too. Other word characters
// (superscripts, private use) may split it there into a phrase, which a
// document without positions could not answer exactly.
func (q textQuery) oneWord() bool {
	if len(q.tokens) != 1 {
		return false
	}
	for _, r := range q.tokens[0] {
		if !unicode.IsLetter(r) && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// fts5 is the FTS5 MATCH expression for q within column col ("" for any
// column). Tokens hold only word characters, so quoting them is enough to
// keep every input literal.
func (q textQuery) fts5(col string) string {
	var b strings.Builder
	if col != "" {
		b.WriteString(col)
		b.WriteString(" : ")
	}
	b.WriteByte('"')
	b.WriteString(strings.Join(q.tokens, " "))
	b.WriteByte('"')
	if q.prefix {
		b.WriteByte('*')
	}
	return b.String()
}

// tsquery is the text for to_tsquery('simple', ...) matching q within the
// parts carrying the given weights (A, B, C, D: one per document part).
// With several weights a phrase must still lie within one part, as in
// FTS5, so a phrase is tried in each part in turn.
func (q textQuery) tsquery(weights string) string {
	if len(q.tokens) == 1 || len(weights) <= 1 {
		return q.phrase(weights)
	}
	parts := make([]string, len(weights))
	for i := range weights {
		parts[i] = "(" + q.phrase(weights[i:i+1]) + ")"
	}
	return strings.Join(parts, " | ")
}

// phrase is q as a tsquery phrase, each operand restricted to weights
// (none: any part).
func (q textQuery) phrase(weights string) string {
	ops := make([]string, len(q.tokens))
	for i, t := range q.tokens {
		op := "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(t) + "'"
		star := q.prefix && i == len(q.tokens)-1
		if star || weights != "" {
			op += ":"
			if star {
				op += "*"
			}
			op += weights
		}
		ops[i] = op
	}
	return strings.Join(ops, " <-> ")
}

package ticket

import (
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// commentPolicy is the allow-list for comment HTML: what an email client or
// the agent editor produces, without scripts, styles or event handlers.
var commentPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("dir").Globally()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^zd-comment$`)).OnElements("div")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// bodies derives the three comment forms from what the client sent:
// body (plain text, the source of truth when given), html_body (sanitised)
// and plain_body (text of the HTML).
func bodies(body, htmlBody string) (plain, html_, text string) {
	if strings.TrimSpace(htmlBody) != "" {
		safe := commentPolicy.Sanitize(htmlBody)
		text := htmlText(safe)
		if strings.TrimSpace(body) == "" {
			body = text
		}
		return body, `<div class="zd-comment" dir="auto">` + safe + `</div>`, text
	}
	return body, textToHTML(body), strings.TrimSpace(body)
}

// textToHTML turns plain text into Zendesk's comment HTML: paragraphs on
// blank lines, <br> on single newlines, everything escaped.
func textToHTML(s string) string {
	var b strings.Builder
	b.WriteString(`<div class="zd-comment" dir="auto">`)
	for _, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i, l := range lines {
			lines[i] = html.EscapeString(l)
		}
		b.WriteString(`<p dir="auto">` + strings.Join(lines, "<br>") + `</p>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}

var blockTags = map[string]bool{"p": true, "div": true, "br": true, "li": true, "tr": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true, "pre": true}

// htmlText extracts readable text: block elements become line breaks.
func htmlText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return collapse(b.String())
		case xhtml.TextToken:
			b.Write(z.Text())
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			if blockTags[string(name)] {
				b.WriteString("\n")
			}
		}
	}
}

var manyNewlines = regexp.MustCompile(`\n{3,}`)

func collapse(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.Join(strings.Fields(l), " "), " ")
	}
	return strings.TrimSpace(manyNewlines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

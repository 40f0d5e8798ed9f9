package placeholder_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley/internal/placeholder"
)

var (
	t0 = time.Date(2024, 3, 5, 9, 30, 0, 0, time.UTC)
	t1 = t0.Add(2 * time.Hour)
)

func sample() placeholder.Data {
	due := time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC)
	return placeholder.Data{
		Account: placeholder.Account{Name: "Acme Help", Subdomain: "acme"},
		Ticket: placeholder.Ticket{
			ID: 42, Title: "Printer on fire", Description: "It smokes.\nHelp!", Status: "open", Priority: "high",
			Type: "incident", Via: "email", URL: "acme.example.com/agent/tickets/42", Tags: []string{"fire", "vip"},
			Requester: placeholder.User{ID: 7, Name: "Jane Q Doe", Email: "jane@customer.example"},
			Assignee:  placeholder.User{ID: 3, Name: "Sam Agent", Email: "sam@acme.example"},
			GroupName: "Tier 2", OrgName: "Customer Inc",
			Comments: []placeholder.Comment{
				{ID: 3, AuthorName: "Sam Agent", Body: "internal: check wiring", Public: false, CreatedAt: t1},
				{ID: 2, AuthorName: "Sam Agent", Body: "We are <on> it & more", Public: true, CreatedAt: t1.Add(-time.Minute)},
				{ID: 1, AuthorName: "Jane Q Doe", Body: "It smokes.\nHelp!", Public: true, CreatedAt: t0},
			},
			Fields: map[int64]placeholder.Field{
				100: {Value: "hw_printer", OptionTitle: "Printer"},
				101: {Value: "serial-9"},
			},
			CreatedAt: t0, UpdatedAt: t1, DueAt: &due,
		},
		CurrentUser:  placeholder.User{ID: 3, Name: "Sam Agent", Email: "sam@acme.example"},
		Satisfaction: placeholder.Satisfaction{RatingURL: "https://acme.example.com/requests/42/satisfaction"},
	}
}

// TestEveryPlaceholder covers each placeholder of reference §5.3 and the
// issue list.
func TestEveryPlaceholder(t *testing.T) {
	d := sample()
	cases := []struct{ tmpl, want string }{
		{"{{ticket.id}}", "42"},
		{"{{ticket.title}}", "Printer on fire"},
		{"{{ticket.status}}", "Open"},
		{"{{ticket.url}}", "acme.example.com/agent/tickets/42"},
		{"{{ticket.link}}", "https://acme.example.com/agent/tickets/42"},
		{"{{ticket.requester.name}}", "Jane Q Doe"},
		{"{{ticket.requester.email}}", "jane@customer.example"},
		{"{{ticket.requester.first_name}}", "Jane"},
		{"{{ticket.requester.last_name}}", "Q Doe"},
		{"{{ticket.assignee.name}}", "Sam Agent"},
		{"{{ticket.group.name}}", "Tier 2"},
		{"{{ticket.organization.name}}", "Customer Inc"},
		{"{{ticket.latest_comment}}", "internal: check wiring"},
		{"{{ticket.latest_public_comment}}", "We are <on> it & more"},
		{"{{ticket.tags}}", "fire vip"},
		{"{{ticket.priority}}", "High"},
		{"{{ticket.ticket_type}}", "Incident"},
		{"{{ticket.description}}", "It smokes.\nHelp!"},
		{"{{ticket.via}}", "Mail"},
		{"{{ticket.account}}", "Acme Help"},
		{"{{ticket.ticket_field_100}}", "hw_printer"},
		{"{{ticket.ticket_field_option_title_100}}", "Printer"},
		{"{{ticket.ticket_field_101}}", "serial-9"},
		{"{{ticket.due_date}}", "2024-03-09"},
		{"{{current_user.name}}", "Sam Agent"},
		{"{{current_user.first_name}}", "Sam"},
		{"{{current_user.email}}", "sam@acme.example"},
		{"{{satisfaction.rating_url}}", "https://acme.example.com/requests/42/satisfaction"},
		// Unknown placeholders render empty, as in Zendesk.
		{"[{{ticket.nope}}{{dc.welcome}}{{ticket.ticket_field_999}}{{nothing}}]", "[]"},
	}
	for _, c := range cases {
		got, err := placeholder.Render(c.tmpl, d)
		if err != nil {
			t.Errorf("Render(%q): %v", c.tmpl, err)
			continue
		}
		if got != c.want {
			t.Errorf("Render(%q) = %q, want %q", c.tmpl, got, c.want)
		}
	}
}

func TestFormattedComments(t *testing.T) {
	d := sample()
	all, err := placeholder.Render("{{ticket.comments_formatted}}", d)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first, with author and time, internal notes included for
	// agents.
	iNote, iReply, iFirst := strings.Index(all, "internal: check wiring"), strings.Index(all, "We are <on> it"), strings.Index(all, "It smokes.")
	if iNote < 0 || iReply < 0 || iFirst < 0 || !(iNote < iReply && iReply < iFirst) {
		t.Fatalf("comments_formatted not newest first with every comment:\n%s", all)
	}
	if !strings.Contains(all, "Jane Q Doe, March 5, 2024 09:30") {
		t.Errorf("comments_formatted lacks author and time:\n%s", all)
	}
	d.PublicOnly = true
	pub, _ := placeholder.Render("{{ticket.comments_formatted}}|{{ticket.latest_comment}}", d)
	if strings.Contains(pub, "internal") {
		t.Errorf("an internal note reached an end-user rendering:\n%s", pub)
	}
	if !strings.HasSuffix(pub, "|We are <on> it & more") {
		t.Errorf("latest_comment for end users should be the latest public one:\n%s", pub)
	}
	lf, _ := placeholder.Render("{{ticket.latest_comment_formatted}}", d)
	if !strings.Contains(lf, "Sam Agent, ") || strings.Contains(lf, "It smokes") {
		t.Errorf("latest_comment_formatted = %q", lf)
	}
	rs, _ := placeholder.Render("{{satisfaction.rating_section}}", d)
	if !strings.Contains(rs, "satisfaction?score=good") || !strings.Contains(rs, "satisfaction?score=bad") {
		t.Errorf("rating_section = %q", rs)
	}
}

func TestHTML(t *testing.T) {
	d := sample()
	d.Ticket.Title = `<script>alert("x")</script>`
	got, err := placeholder.RenderHTML("Hi <b>{{ticket.requester.first_name}}</b>,\n{{ticket.title}}\n{{ticket.comments_formatted}}", d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Hi &lt;b&gt;Jane&lt;/b&gt;,<br>\n", // the template's own text is escaped
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;<br>\n",
		`<ul class="comments"><li><p><strong>Sam Agent</strong>`,
		"We are &lt;on&gt; it &amp; more",
		"It smokes.<br>Help!",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script>") {
		t.Fatalf("unescaped value in HTML:\n%s", got)
	}
}

func TestFiltersAndTags(t *testing.T) {
	d := sample()
	cases := []struct{ tmpl, want string }{
		{"{{ticket.title | upcase}}", "PRINTER ON FIRE"},
		{"{{ticket.requester.name | split: ' ' | first}}", "Jane"},
		{"{{ticket.missing | default: 'n/a'}}", "n/a"},
		{"{{ticket.title | truncate: 10}}", "Printer..."},
		{"{{ticket.title | append: '!' | prepend: '> '}}", "> Printer on fire!"},
		{"{{ticket.title | replace: 'fire', 'ice'}}", "Printer on ice"},
		{"{{ticket.tags | split: ' ' | join: ','}}", "fire,vip"},
		{"{% if ticket.status == 'Open' %}open{% else %}other{% endif %}", "open"},
		{"{% unless ticket.assignee.name %}none{% else %}{{ticket.assignee.name}}{% endunless %}", "Sam Agent"},
		{"{% case ticket.priority %}{% when 'Low' %}l{% when 'High' %}h{% else %}?{% endcase %}", "h"},
		{"{% for c in ticket.public_comments %}{{forloop.index}}:{{c.author.name}};{% endfor %}", "1:Sam Agent;2:Jane Q Doe;"},
		{"{% for c in ticket.comments limit:1 %}{{c.value}}{% endfor %}", "internal: check wiring"},
		{"{% for i in (1..5) %}{% if i == 3 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{i}}{% endfor %}", "124"},
		{"{% for i in (1..3) reversed %}{% cycle 'a','b' %}{{i}}{% endfor %}", "a3b2a1"},
		{"{% for x in ticket.nothing %}x{% else %}empty{% endfor %}", "empty"},
		{"{% assign n = ticket.requester.first_name | downcase %}{{n}}", "jane"},
		{"{% capture s %}#{{ticket.id}}{% endcapture %}{{s}}{{s}}", "#42#42"},
		{"{% comment %}hidden{% endcomment %}{% raw %}{{x}}{% endraw %}", "{{x}}"},
		{"{% tablerow i in (1..2) %}{{i}}{% endtablerow %}", `<tr class="row1"><td class="col1">1</td><td class="col2">2</td></tr>`},
	}
	for _, c := range cases {
		got, err := placeholder.Render(c.tmpl, d)
		if err != nil {
			t.Errorf("Render(%q): %v", c.tmpl, err)
			continue
		}
		if got != c.want {
			t.Errorf("Render(%q) = %q, want %q", c.tmpl, got, c.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, ok := range []string{"", "plain", "{{ticket.id}}", "{% if a %}x{% endif %}", "{{ x | upcase }}"} {
		if err := placeholder.Check(ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		"{% if ticket.id %}unclosed",
		"{{ ticket.id ",
		"{% endfor %}",
		"{% nosuchtag %}",
		"{% for %}{% endfor %}",
		"{{ ticket.id | }}",
		"{% include 'x.liquid' %}",
		"{% render 'x' %}",
		strings.Repeat("a", placeholder.MaxTemplate+1),
	} {
		err := placeholder.Check(bad)
		if err == nil {
			t.Errorf("Check(%.40q) accepted a broken template", bad)
			continue
		}
		var pe *placeholder.Error
		if !errors.As(err, &pe) || pe.Msg == "" {
			t.Errorf("Check(%.40q) error %T %v is not a placeholder.Error", bad, err, err)
		}
		// Render rejects it too, without panicking.
		if _, err := placeholder.Render(bad, sample()); err == nil {
			t.Errorf("Render(%.40q) accepted a broken template", bad)
		}
	}
}

// TestSandbox: no file is read, and loops, output and values are bounded.
func TestSandbox(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP SECRET"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range []string{"{% include '" + secret + "' %}", "{% include '../../../../../../" + secret + "' %}"} {
		out, err := placeholder.Render(tmpl, sample())
		if err == nil || strings.Contains(out, "TOP SECRET") {
			t.Fatalf("include read a file: %q %v", out, err)
		}
	}

	bounded := []string{
		// A billion empty iterations.
		"{% for i in (1..1000000000) %}{% endfor %}",
		// Nested loops that would multiply.
		"{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}",
		// Doubling a string.
		"{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}",
		"{% capture s %}x{% endcapture %}{% for i in (1..40) %}{% capture s %}{{s}}{{s}}{% endcapture %}{% endfor %}",
		"{% assign s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | replace: 'x', 'xx' %}{% endfor %}",
		// Huge output.
		"{% for i in (1..9000) %}" + strings.Repeat("0123456789", 10) + "{% endfor %}",
	}
	for _, tmpl := range bounded {
		start := time.Now()
		out, err := placeholder.Render(tmpl, sample())
		if err == nil {
			t.Errorf("Render(%.60q) succeeded with %d bytes; want a limit error", tmpl, len(out))
			continue
		}
		if !errors.Is(err, placeholder.ErrLimit) {
			t.Errorf("Render(%.60q) = %v; want ErrLimit", tmpl, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Render(%.60q) took %s", tmpl, d)
		}
	}
	// Within the limits loops still work.
	out, err := placeholder.Render("{% for i in (1..1000) %}x{% endfor %}", sample())
	if err != nil || len(out) != 1000 {
		t.Fatalf("a 1000-iteration loop: %d bytes, %v", len(out), err)
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"{{ticket.id}}", "{% for c in ticket.comments %}{{c.value}}{% endfor %}", "{% if x %}", "{{ a | b: c }}",
		"{% cycle 'a' %}", "{% tablerow i in (1..3) cols:2 %}{{i}}{% endtablerow %}", "{% case 1 %}{% when 1 %}a{% endcase %}"} {
		f.Add(s)
	}
	d := sample()
	f.Fuzz(func(t *testing.T, tmpl string) {
		_, _ = placeholder.Render(tmpl, d)
		_, _ = placeholder.RenderHTML(tmpl, d)
		_ = placeholder.Check(tmpl)
	})
}

func TestRangeFilters(t *testing.T) {
	for _, tmpl := range []string{"{{ (1..1000000000) | join }}", "{{ (1..1000000000) | sort | first }}", "{{ (1..1000000000) | reverse | size }}"} {
		if _, err := placeholder.Render(tmpl, sample()); !errors.Is(err, placeholder.ErrLimit) {
			t.Errorf("Render(%q) = %v, want ErrLimit", tmpl, err)
		}
	}
	got, err := placeholder.Render("{{ (1..4) | join: '-' }} {{ (1..3) | join }} {{ 'a,b' | split: ',' | size }}", sample())
	if err != nil || got != "1-2-3-4 1 2 3 2" {
		t.Fatalf("small ranges through filters: %q %v", got, err)
	}
}

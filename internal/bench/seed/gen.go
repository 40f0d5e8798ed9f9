package seed

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"parley/internal/ticket"
)

// gen draws the tickets of one run from one deterministic stream.
type gen struct {
	r     *rand.Rand
	o     Options
	topic *rand.Zipf
	tag   *rand.Zipf
	tags  []string
	from  time.Time
	span  time.Duration
}

func newGen(r *rand.Rand, o Options) *gen {
	tags := tagVocabulary()
	return &gen{r: r, o: o, tags: tags,
		topic: rand.NewZipf(r, 1.07, 2, uint64(len(topics)-1)),
		tag:   rand.NewZipf(r, 1.1, 1, uint64(len(tags)-1)),
		from:  o.Now.AddDate(-1, 0, 0), span: o.Now.Sub(o.Now.AddDate(-1, 0, 0)),
	}
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// chance reports true with probability p percent.
func (g *gen) chance(p int) bool { return g.r.IntN(100) < p }

// weighted returns the index drawn from cumulative percent weights.
func (g *gen) weighted(cum []int) int {
	n := g.r.IntN(cum[len(cum)-1])
	for i, c := range cum {
		if n < c {
			return i
		}
	}
	return len(cum) - 1
}

func (g *gen) person(r *refs, n int64) person {
	first, last := g.pick(firstNames), g.pick(lastNames)
	p := person{name: first + " " + last}
	domain := g.pick(mailDomains)
	if g.chance(70) {
		org := r.orgs[g.r.IntN(len(r.orgs))]
		p.org = &org
		domain = fmt.Sprintf("org%d.example", org)
	}
	p.email = fmt.Sprintf("%s.%s.%d@%s", strings.ToLower(first), strings.ToLower(last), n, domain)
	return p
}

// Status mix: new 5%, open 20%, pending 10%, hold 3%, solved 30%, closed 32%.
var (
	statuses   = []string{"new", "open", "pending", "hold", "solved", "closed"}
	statusCum  = []int{5, 25, 35, 38, 68, 100}
	priorities = []string{"", "low", "normal", "high", "urgent"}
	prioCum    = []int{15, 30, 75, 93, 100}
	types      = []string{"", "question", "incident", "problem", "task"}
	typeCum    = []int{15, 55, 85, 90, 100}
	viaCum     = []int{50, 80, 100} // email, web, api
)

func (g *gen) topicWord() string { return topics[g.topic.Uint64()] }

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ticket draws the i-th ticket of the run. Creation times rise with i
// (spread over the year before Now), so ticket numbers follow time as in a
// real help desk.
func (g *gen) ticket(r *refs, i int) ticket.BatchTicket {
	o := g.o
	created := g.from.Add(time.Duration(float64(g.span) * (float64(i) + g.r.Float64()) / float64(o.Tickets))).Truncate(time.Second)
	req := r.requesters[g.r.IntN(len(r.requesters))]
	status := statuses[g.weighted(statusCum)]
	topic := g.topicWord()
	b := ticket.BatchTicket{
		Subject:        strings.ToUpper(topic[:1]) + topic[1:] + " " + problems[g.r.IntN(len(problems))],
		Status:         status,
		Priority:       strp(priorities[g.weighted(prioCum)]),
		Type:           strp(types[g.weighted(typeCum)]),
		RequesterID:    req.id,
		OrganizationID: req.org,
		CreatedAt:      created,
		Fields:         map[int64]any{},
	}
	switch g.weighted(viaCum) {
	case 0:
		src, _ := json.Marshal(map[string]any{"from": map[string]any{"address": req.email, "name": req.name},
			"to": map[string]any{"address": "support@seed.example", "name": "Support"}, "rel": nil})
		b.Via = ticket.Via{Channel: "email", Source: src}
	case 1:
		b.Via = ticket.Via{Channel: "web", Source: json.RawMessage(`{"from":{},"to":{},"rel":null}`)}
	}
	// Everything but new tickets is mostly in a group with an assignee
	// from it; new ones are sometimes routed to a group already.
	if status != "new" && g.chance(95) || status == "new" && g.chance(30) {
		gid := r.groups[g.r.IntN(len(r.groups))]
		b.GroupID = &gid
		if status != "new" && g.chance(92) {
			ms := r.members[gid]
			a := ms[g.r.IntN(len(ms))]
			b.AssigneeID = &a
		}
	}
	// Tags: 1-4 from the vocabulary, skewed; the topic often among them.
	n := 1 + g.r.IntN(4)
	if g.chance(60) {
		b.Tags = append(b.Tags, topic)
	}
	for len(b.Tags) < n {
		b.Tags = append(b.Tags, g.tags[g.tag.Uint64()])
	}
	if g.chance(70) {
		b.Fields[r.product] = r.options[g.r.IntN(len(r.options))]
	}
	if g.chance(30) {
		b.Fields[r.order] = fmt.Sprintf("ORD-%06d", g.r.IntN(1000000))
	}
	if g.chance(5) {
		cc := r.requesters[g.r.IntN(len(r.requesters))].id
		if cc != req.id {
			b.EmailCCs = []int64{cc}
		}
	}
	if g.chance(3) {
		b.Followers = []int64{r.agents[g.r.IntN(len(r.agents))]}
	}

	// Comments: the requester's description, then agent replies (some of
	// them internal notes) and requester follow-ups, hours or days apart.
	nc := o.CommentsMin + g.r.IntN(o.CommentsMax-o.CommentsMin+1)
	at := created
	agent := r.agents[g.r.IntN(len(r.agents))]
	if b.AssigneeID != nil {
		agent = *b.AssigneeID
	}
	for k := 0; k < nc; k++ {
		t := g.topicWord()
		if g.chance(60) {
			t = topic
		}
		var c ticket.BatchComment
		switch {
		case k == 0:
			c = ticket.BatchComment{Public: true, Body: fmt.Sprintf(g.pick(openers), topic) + " " +
				fmt.Sprintf(g.pick(middles), t) + " " + fmt.Sprintf(g.pick(middles), g.topicWord()) + "\n\n" + g.pick(closers)}
		case k%2 == 1 && g.chance(15):
			c = ticket.BatchComment{AuthorID: agent, Body: fmt.Sprintf(g.pick(notes), t)}
		case k%2 == 1:
			c = ticket.BatchComment{AuthorID: agent, Public: true, Body: fmt.Sprintf(g.pick(replies), t) + "\n\n" + g.pick(closers)}
		default:
			c = ticket.BatchComment{AuthorID: req.id, Public: true, Body: fmt.Sprintf(g.pick(followups), t)}
		}
		if k > 0 {
			at = at.Add(time.Duration(10+g.r.IntN(3*24*60)) * time.Minute)
			if at.After(o.Now) {
				at = o.Now
			}
		}
		c.CreatedAt = at
		b.Comments = append(b.Comments, c)
	}
	b.UpdatedAt = at
	if status == "solved" || status == "closed" {
		// Solved some time after the last comment; closed tickets were
		// solved at least four days before now (Zendesk closes them then).
		solved := at.Add(time.Duration(5+g.r.IntN(24*60)) * time.Minute)
		if solved.After(o.Now) {
			solved = o.Now
		}
		b.SolvedAt = &solved
		b.UpdatedAt = solved
		if status == "closed" {
			closed := solved.Add(4 * 24 * time.Hour)
			if closed.After(o.Now) {
				// Too recent to be closed yet.
				b.Status = "solved"
			} else {
				b.UpdatedAt = closed
			}
		}
		b.StatusUpdatedAt = b.UpdatedAt
	}
	return b
}

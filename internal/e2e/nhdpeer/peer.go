// Package nhdpeer is a minimal third-party help desk speaking the Networked
// Help Desk protocol ("NHD 1.0", ticket sharing), for interoperability tests.
// It was written from the protocol description only (zendesk-api.md §6.2),
// without reading or importing any of Parley's sharing code, so that a test
// exchanging agreements and tickets with it shows Parley speaks the protocol
// as written. A Peer serves {URL}/agreements/{uuid} (POST, PUT, GET) and
// {URL}/tickets/{uuid} (POST, PUT, DELETE), keeps agreements and received
// tickets in memory, records every request, and acts as a client (invite,
// accept/decline/deactivate, share, update, unshare) sending RT's content
// type, the "YYYY-MM-DD HH:MM:SS +ZZZZ" time format and protocol version 1.
package nhdpeer

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Protocol constants.
const (
	TimeFormat    = "2006-01-02 15:04:05 -0700"
	ContentType   = `text/x-json; charset="UTF-8"`
	TokenHeader   = "X-Ticket-Sharing-Token"
	VersionHeader = "X-Ticket-Sharing-Version"
	WaitTimeout   = 20 * time.Second // bounds Wait and WaitTicket
)

var hex40 = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// IsUUID reports whether s is an NHD identifier (40 hex characters).
func IsUUID(s string) bool { return hex40.MatchString(s) }

// UUID is the SHA-1 hex of "<sharing_url>/<kind>/<id>", as the spec says.
func UUID(sharingURL, kind string, id any) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("%s/%s/%v", sharingURL, kind, id)))
	return hex.EncodeToString(sum[:])
}

// Now is the current time in the NHD format.
func Now() string { return time.Now().Format(TimeFormat) }

// ValidTime accepts the NHD format and, as the spec advises, ISO 8601.
func ValidTime(s string) bool {
	_, nhd := time.Parse(TimeFormat, s)
	_, iso := time.Parse(time.RFC3339, s)
	return nhd == nil || iso == nil
}

// Actor is an author, requester or current actor.
type Actor struct {
	UUID string `json:"uuid,omitempty"`
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

// Agreement is an NHD agreement. Role is this peer's side of it: "sender"
// when the peer invited the partner, "receiver" when it was invited.
type Agreement struct {
	UUID                 string `json:"uuid"`
	Name                 string `json:"name,omitempty"`
	ReceiverURL          string `json:"receiver_url,omitempty"`
	SenderURL            string `json:"sender_url,omitempty"`
	AccessKey            string `json:"access_key,omitempty"`
	Status               string `json:"status,omitempty"`
	DeactivatedBy        string `json:"deactivated_by,omitempty"`
	CurrentActor         Actor  `json:"current_actor,omitzero"`
	SyncTags             bool   `json:"sync_tags"`
	SyncCustomFields     bool   `json:"sync_custom_fields"`
	AllowsPublicComments bool   `json:"allows_public_comments"`
	Role                 string `json:"-"`
}

// Token is the X-Ticket-Sharing-Token value for the agreement.
func (a Agreement) Token() string { return a.UUID + ":" + a.AccessKey }

// public is the agreement as answered to the partner (without the key).
func (a Agreement) public() Agreement {
	a.AccessKey = ""
	return a
}

func (a Agreement) partnerURL() string {
	if a.Role == "sender" {
		return a.ReceiverURL
	}
	return a.SenderURL
}

// Comment is a ticket comment; Public nil means public (the spec's default).
type Comment struct {
	UUID        string           `json:"uuid"`
	Author      Actor            `json:"author,omitzero"`
	Body        string           `json:"body,omitempty"`
	HTMLBody    string           `json:"html_body,omitempty"`
	AuthoredAt  string           `json:"authored_at,omitempty"`
	Public      *bool            `json:"public,omitempty"`
	Attachments []map[string]any `json:"attachments,omitempty"`
}

// Ticket is an NHD ticket. Marshalled, zero fields are left out, so an
// update carries only what is set. Agreement and Unshared are the peer's
// bookkeeping for the tickets it knows (received or shared by it).
type Ticket struct {
	UUID         string         `json:"uuid"`
	Subject      string         `json:"subject,omitempty"`
	RequestedAt  string         `json:"requested_at,omitempty"`
	Status       string         `json:"status,omitempty"`
	Requester    Actor          `json:"requester,omitzero"`
	CurrentActor Actor          `json:"current_actor,omitzero"`
	Comments     []Comment      `json:"comments,omitempty"`
	Tags         []string       `json:"tags,omitempty"`
	OriginalID   any            `json:"original_id,omitempty"`
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	CustomStatus string         `json:"custom_status,omitempty"`
	Agreement    string         `json:"-"`
	Unshared     bool           `json:"-"`
}

func (t Ticket) clone() Ticket {
	t.Comments, t.Tags, t.CustomFields = slices.Clone(t.Comments), slices.Clone(t.Tags), maps.Clone(t.CustomFields)
	return t
}

// Request is one request the peer received, with the status it answered.
type Request struct {
	Method, Path string
	Header       http.Header
	Body, Reply  []byte
	Status       int
}

// Decode unmarshals the request body.
func (r Request) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// Response is the answer to a request the peer sent.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Peer is the fake help desk.
type Peer struct {
	Name       string
	URL        string // sharing base URL, {server}/sharing
	Agent      Actor  // the agent who acts for this peer
	Client     *http.Client
	seq        atomic.Int64
	mu         sync.Mutex
	agreements map[string]*Agreement
	tickets    map[string]*Ticket
	requests   []Request
}

// New starts a peer on loopback; it stops when t ends.
func New(t testing.TB, name string) *Peer {
	p := &Peer{Name: name, Client: &http.Client{Timeout: WaitTimeout},
		agreements: map[string]*Agreement{}, tickets: map[string]*Ticket{}}
	mux := http.NewServeMux()
	p.route(mux, "POST /sharing/agreements/{uuid}", p.createAgreement)
	p.route(mux, "PUT /sharing/agreements/{uuid}", p.updateAgreement)
	p.route(mux, "GET /sharing/agreements/{uuid}", p.getAgreement)
	p.route(mux, "POST /sharing/tickets/{uuid}", p.createTicket)
	p.route(mux, "PUT /sharing/tickets/{uuid}", p.updateTicket)
	p.route(mux, "DELETE /sharing/tickets/{uuid}", p.deleteTicket)
	p.route(mux, "/", func(*http.Request, []byte) (int, any) { return fail(http.StatusNotFound, "no such resource") })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL + "/sharing"
	p.Agent = Actor{UUID: UUID(p.URL, "users", 0), Name: name + " Agent", Role: "agent"}
	return p
}

// NewUUID makes a fresh identifier for a resource of this peer.
func (p *Peer) NewUUID(kind string) string { return UUID(p.URL, kind, p.seq.Add(1)) }

// NewComment is a public comment by the peer's agent, authored now.
func (p *Peer) NewComment(body string) Comment {
	pub := true
	return Comment{UUID: p.NewUUID("comments"), Author: p.Agent, Body: body, AuthoredAt: Now(), Public: &pub}
}

// ---- server side ----

func fail(code int, msg string) (int, any) { return code, map[string]string{"error": msg} }

// route serves pattern with h, which answers a request (body already read)
// with a status and a JSON value while p.mu is held. route checks the
// protocol version (missing or 1, else 412) and records the exchange.
func (p *Peer) route(mux *http.ServeMux, pattern string, h func(*http.Request, []byte) (int, any)) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		defer p.mu.Unlock()
		code, v := fail(http.StatusPreconditionFailed, "unsupported "+VersionHeader)
		if ver := r.Header.Get(VersionHeader); ver == "" || ver == "1" {
			code, v = h(r, body)
		}
		out, _ := json.Marshal(v)
		p.requests = append(p.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(),
			Body: body, Status: code, Reply: out})
		w.Header().Set("Content-Type", ContentType)
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "X-Ticket-Sharing")
		}
		w.WriteHeader(code)
		_, _ = w.Write(out)
	})
}

// authorize finds the agreement named by the token and checks its key.
func (p *Peer) authorize(r *http.Request) *Agreement {
	id, key, ok := strings.Cut(r.Header.Get(TokenHeader), ":")
	if a := p.agreements[id]; ok && a != nil && subtle.ConstantTimeCompare([]byte(a.AccessKey), []byte(key)) == 1 {
		return a
	}
	return nil
}

var (
	agreementStatuses = []string{"pending", "accepted", "declined", "inactive"}
	ticketStatuses    = []string{"new", "open", "pending", "hold", "solved", "closed"}
)

func (p *Peer) createAgreement(r *http.Request, body []byte) (int, any) {
	id, tok := r.PathValue("uuid"), r.Header.Get(TokenHeader)
	var in Agreement
	if err := json.Unmarshal(body, &in); err != nil {
		return fail(http.StatusBadRequest, "malformed JSON: "+err.Error())
	}
	switch {
	case !IsUUID(id):
		return fail(http.StatusUnprocessableEntity, "Value in the URI isn't a UUID")
	case in.UUID != id:
		return fail(http.StatusUnprocessableEntity, "uuid in the URI and the body differ")
	case p.agreements[id] != nil:
		return fail(http.StatusUnprocessableEntity, "agreement already exists")
	case in.Status != "pending" || !IsUUID(in.AccessKey) || in.SenderURL == "":
		return fail(http.StatusUnprocessableEntity, "a new agreement needs status pending, a 40-hex access_key and sender_url")
	case tok != "" && tok != in.Token():
		// The first POST may come without a token (the walkthrough exempts
		// it); one that is sent must match the body.
		return fail(http.StatusUnauthorized, "token does not match the agreement")
	}
	in.Role, in.DeactivatedBy = "receiver", ""
	p.agreements[id] = &in
	return http.StatusCreated, in.public()
}

// agreementFor authorizes r for the agreement in its URL; nil after a failure.
func (p *Peer) agreementFor(r *http.Request) (*Agreement, int, string) {
	tok, a := p.authorize(r), p.agreements[r.PathValue("uuid")]
	switch {
	case tok == nil:
		return nil, http.StatusUnauthorized, "invalid " + TokenHeader
	case a == nil:
		return nil, http.StatusNotFound, "no such agreement"
	case a != tok:
		return nil, http.StatusForbidden, "token is for another agreement"
	}
	return a, 0, ""
}

func (p *Peer) getAgreement(r *http.Request, _ []byte) (int, any) {
	a, code, msg := p.agreementFor(r)
	if a == nil {
		return fail(code, msg)
	}
	return http.StatusOK, a.public()
}

func (p *Peer) updateAgreement(r *http.Request, body []byte) (int, any) {
	a, code, msg := p.agreementFor(r)
	if a == nil {
		return fail(code, msg)
	}
	upd := *a // fields absent from the body stay unchanged
	if err := json.Unmarshal(body, &upd); err != nil {
		return fail(http.StatusBadRequest, "malformed JSON: "+err.Error())
	}
	if upd.UUID != a.UUID || !slices.Contains(agreementStatuses, upd.Status) {
		return fail(http.StatusUnprocessableEntity, "uuid differs from the URI or unknown status")
	}
	// RT's mutability rules: only the sender changes name, sender_url (and
	// the terms); only the receiver changes receiver_url. The key stays.
	upd.AccessKey, upd.Role = a.AccessKey, a.Role
	if a.Role == "sender" {
		upd.Name, upd.SenderURL = a.Name, a.SenderURL
		upd.SyncTags, upd.SyncCustomFields, upd.AllowsPublicComments = a.SyncTags, a.SyncCustomFields, a.AllowsPublicComments
	} else {
		upd.ReceiverURL = a.ReceiverURL
	}
	*a = upd
	return http.StatusOK, a.public()
}

// ticketFor authorizes a ticket call (the token must name an accepted
// agreement) and finds the ticket shared under it (when creating, checks
// there is none).
func (p *Peer) ticketFor(r *http.Request, creating bool) (*Agreement, *Ticket, int, string) {
	a := p.authorize(r)
	if a == nil {
		return nil, nil, http.StatusUnauthorized, "invalid " + TokenHeader
	}
	if a.Status != "accepted" {
		return nil, nil, http.StatusForbidden, "Agreement is " + a.Status
	}
	tk := p.tickets[r.PathValue("uuid")]
	switch {
	case creating && tk != nil && !tk.Unshared:
		return nil, nil, http.StatusUnprocessableEntity, "ticket already shared"
	case creating:
		return a, nil, 0, ""
	case tk == nil || tk.Unshared:
		return nil, nil, http.StatusNotFound, "no such ticket"
	case tk.Agreement != a.UUID:
		return nil, nil, http.StatusForbidden, "ticket is shared under another agreement"
	}
	return a, tk, 0, ""
}

// checkTicket validates a ticket body for the URL's uuid; it returns what is
// wrong, or "".
func checkTicket(t Ticket, uuid string) string {
	switch {
	case !IsUUID(uuid):
		return "Value in the URI isn't a UUID"
	case t.UUID != uuid:
		return "uuid in the URI and the body differ"
	case t.Status != "" && !slices.Contains(ticketStatuses, t.Status):
		return "unknown status " + t.Status
	case t.RequestedAt != "" && !ValidTime(t.RequestedAt):
		return "bad requested_at " + t.RequestedAt
	}
	for _, c := range t.Comments {
		if c.UUID == "" || c.AuthoredAt != "" && !ValidTime(c.AuthoredAt) {
			return "comment without uuid or with a bad authored_at"
		}
	}
	return ""
}

// apply merges an update into tk: fields absent from the body stay
// unchanged, and comments are added unless their uuid is known.
func (tk *Ticket) apply(body []byte) {
	upd := tk.clone()
	upd.Comments = nil
	_ = json.Unmarshal(body, &upd)
	upd.Comments = addComments(tk.Comments, upd.Comments)
	*tk = upd
}

// addComments appends the comments whose uuid is new.
func addComments(have, in []Comment) []Comment {
	for _, c := range in {
		if !slices.ContainsFunc(have, func(h Comment) bool { return h.UUID == c.UUID }) {
			have = append(have, c)
		}
	}
	return have
}

func (p *Peer) createTicket(r *http.Request, body []byte) (int, any) {
	a, _, code, msg := p.ticketFor(r, true)
	if a == nil {
		return fail(code, msg)
	}
	var in Ticket
	if err := json.Unmarshal(body, &in); err != nil {
		return fail(http.StatusBadRequest, "malformed JSON: "+err.Error())
	}
	id := r.PathValue("uuid")
	if msg := checkTicket(in, id); msg != "" {
		return fail(http.StatusUnprocessableEntity, msg)
	}
	in.Comments, in.Agreement = addComments(nil, in.Comments), a.UUID
	p.tickets[id] = &in
	return http.StatusCreated, in
}

func (p *Peer) updateTicket(r *http.Request, body []byte) (int, any) {
	_, tk, code, msg := p.ticketFor(r, false)
	if tk == nil {
		return fail(code, msg)
	}
	var in Ticket // the update alone, to validate it
	if err := json.Unmarshal(body, &in); err != nil {
		return fail(http.StatusBadRequest, "malformed JSON: "+err.Error())
	}
	in.UUID = cmp.Or(in.UUID, tk.UUID)
	if msg := checkTicket(in, tk.UUID); msg != "" {
		return fail(http.StatusUnprocessableEntity, msg)
	}
	tk.apply(body)
	return http.StatusOK, tk
}

func (p *Peer) deleteTicket(r *http.Request, _ []byte) (int, any) {
	_, tk, code, msg := p.ticketFor(r, false)
	if tk == nil {
		return fail(code, msg)
	}
	tk.Unshared = true
	return http.StatusOK, map[string]string{"uuid": tk.UUID}
}

// ---- client side ----

// Call is one request the peer sends.
type Call struct {
	Method, URL string
	Token       string // X-Ticket-Sharing-Token; empty sends none
	Body        any    // JSON-encoded unless []byte
	NoVersion   bool   // leave out X-Ticket-Sharing-Version
	ContentType string // default ContentType
}

// Send performs c with the peer's content type and protocol version; a
// transport failure fails t.
func (p *Peer) Send(t testing.TB, c Call) Response {
	t.Helper()
	b, ok := c.Body.([]byte)
	if !ok && c.Body != nil {
		b, _ = json.Marshal(c.Body)
	}
	req, err := http.NewRequest(c.Method, c.URL, bytes.NewReader(b))
	if err != nil {
		t.Fatalf("nhdpeer: %v", err)
	}
	if b != nil {
		req.Header.Set("Content-Type", cmp.Or(c.ContentType, ContentType))
	}
	req.Header.Set("Accept", "application/json")
	if !c.NoVersion {
		req.Header.Set(VersionHeader, "1")
	}
	if c.Token != "" {
		req.Header.Set(TokenHeader, c.Token)
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		t.Fatalf("nhdpeer: %s %s: %v", c.Method, c.URL, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// Invite offers partnerURL a new agreement (status pending, syncing tags,
// allowing public comments), remembered as sent.
func (p *Peer) Invite(t testing.TB, partnerURL string) (Agreement, Response) {
	t.Helper()
	key := make([]byte, 20)
	_, _ = rand.Read(key)
	a := Agreement{UUID: p.NewUUID("agreements"), Name: p.Name, SenderURL: p.URL, ReceiverURL: partnerURL,
		AccessKey: hex.EncodeToString(key), Status: "pending", CurrentActor: p.Agent,
		SyncTags: true, AllowsPublicComments: true, Role: "sender"}
	stored := a
	p.mu.Lock()
	p.agreements[a.UUID] = &stored
	p.mu.Unlock()
	return a, p.Send(t, Call{Method: http.MethodPost, URL: partnerURL + "/agreements/" + a.UUID, Token: a.Token(), Body: a})
}

// Agreement returns a copy of the agreement with the given uuid (zero if
// the peer has none).
func (p *Peer) Agreement(uuid string) Agreement {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a := p.agreements[uuid]; a != nil {
		return *a
	}
	return Agreement{}
}

func (p *Peer) mustAgreement(t testing.TB, uuid string) Agreement {
	t.Helper()
	a := p.Agreement(uuid)
	if a.UUID == "" {
		t.Fatalf("nhdpeer: no agreement %s", uuid)
	}
	return a
}

// SetStatus accepts, declines, deactivates ("inactive") or reactivates an
// agreement and tells the partner with a PUT; it is applied locally on 2xx.
func (p *Peer) SetStatus(t testing.TB, uuid, status string) Response {
	t.Helper()
	a := p.mustAgreement(t, uuid)
	body := map[string]any{"uuid": uuid, "status": status}
	if status == "inactive" {
		body["deactivated_by"] = a.Role
	} else if a.Status == "inactive" {
		body["deactivated_by"] = ""
	}
	if a.Role == "receiver" && a.Status == "pending" { // the walkthrough's answer to an invitation
		body["name"], body["receiver_url"], body["sender_url"] = p.Name, p.URL, a.SenderURL
	}
	res := p.Send(t, Call{Method: http.MethodPut, URL: a.partnerURL() + "/agreements/" + uuid, Token: a.Token(), Body: body})
	if res.Status/100 == 2 {
		p.mu.Lock()
		p.agreements[uuid].Status = status
		p.agreements[uuid].DeactivatedBy, _ = body["deactivated_by"].(string)
		p.mu.Unlock()
	}
	return res
}

// ticketCall sends a ticket request under the agreement and, when the
// partner answers 2xx, runs then on the peer's copy (nil if it has none).
func (p *Peer) ticketCall(t testing.TB, method, agreement string, tk Ticket, body any, then func(own *Ticket)) Response {
	t.Helper()
	a := p.mustAgreement(t, agreement)
	res := p.Send(t, Call{Method: method, URL: a.partnerURL() + "/tickets/" + tk.UUID, Token: a.Token(), Body: body})
	if res.Status/100 == 2 {
		p.mu.Lock()
		then(p.tickets[tk.UUID])
		p.mu.Unlock()
	}
	return res
}

// Share POSTs tk to the partner of the agreement (with a new UUID when tk
// has none); once accepted the peer keeps a copy the partner may update.
func (p *Peer) Share(t testing.TB, agreement string, tk Ticket) (Ticket, Response) {
	t.Helper()
	if tk.UUID == "" {
		tk.UUID = p.NewUUID("tickets")
	}
	return tk, p.ticketCall(t, http.MethodPost, agreement, tk, tk, func(*Ticket) {
		own := tk.clone()
		own.Agreement = agreement
		p.tickets[tk.UUID] = &own
	})
}

// Update PUTs the fields set in tk (and its comments) for ticket tk.UUID,
// applying them to the peer's copy too.
func (p *Peer) Update(t testing.TB, agreement string, tk Ticket) Response {
	t.Helper()
	body, _ := json.Marshal(tk)
	return p.ticketCall(t, http.MethodPut, agreement, tk, body, func(own *Ticket) {
		if own != nil {
			own.apply(body)
		}
	})
}

// Unshare DELETEs the ticket at the partner.
func (p *Peer) Unshare(t testing.TB, agreement, ticketUUID string) Response {
	t.Helper()
	return p.ticketCall(t, http.MethodDelete, agreement, Ticket{UUID: ticketUUID}, nil, func(own *Ticket) {
		if own != nil {
			own.Unshared = true
		}
	})
}

// ---- inspection ----

// Requests returns what the peer has received so far.
func (p *Peer) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.requests)
}

// poll calls f until it reports true; after WaitTimeout it fails t,
// listing what the peer received.
func (p *Peer) poll(t testing.TB, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(WaitTimeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if f() {
			return
		}
	}
	var log strings.Builder
	for _, r := range p.Requests() {
		fmt.Fprintf(&log, "\n  %s %s -> %d %s", r.Method, r.Path, r.Status, r.Reply)
	}
	t.Fatalf("nhdpeer: %s: not within %s; received:%s", what, WaitTimeout, log.String())
}

// Wait returns the first received request matching match.
func (p *Peer) Wait(t testing.TB, what string, match func(Request) bool) (found Request) {
	t.Helper()
	p.poll(t, what, func() bool {
		reqs := p.Requests()
		i := slices.IndexFunc(reqs, match)
		if i >= 0 {
			found = reqs[i]
		}
		return i >= 0
	})
	return found
}

// WaitTicket returns a ticket the peer knows matching match.
func (p *Peer) WaitTicket(t testing.TB, what string, match func(Ticket) bool) (found Ticket) {
	t.Helper()
	p.poll(t, what, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, tk := range p.tickets {
			if found = tk.clone(); match(found) {
				return true
			}
		}
		return false
	})
	return found
}

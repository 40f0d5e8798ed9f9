package view_test

import (
	"testing"
	"time"

	"parley/internal/platform/db"
	"parley/internal/rule/catalog"
	"parley/internal/rule/view"
	"parley/internal/ticket/tickettest"
)

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

// env is one account on a fresh database with real users and tickets, the
// room served over HTTP with the actor chosen per request.
type env struct {
	*tickettest.API
	views *view.Service
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	te := tickettest.New(t, d, t0)
	e := &env{}
	e.views = view.NewService(d, te.Clock, te.Tickets, catalog.New(d), te.Users)
	e.API = tickettest.Serve(t, te, view.NewAPI(e.views).Routes)
	return e
}

var (
	num = tickettest.Num
	obj = tickettest.Obj
	arr = tickettest.Arr
)

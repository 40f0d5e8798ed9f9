package gozendesk_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

// identity is a user identity (go-zendesk has no type or methods for them).
type identity struct {
	ID       int64  `json:"id"`
	URL      string `json:"url"`
	UserID   int64  `json:"user_id"`
	Type     string `json:"type"`
	Value    string `json:"value"`
	Verified bool   `json:"verified"`
	Primary  bool   `json:"primary"`
}

type identityList struct {
	Identities []identity `json:"identities"`
	Count      *int64     `json:"count"`
}

func TestIdentities(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)
		u, err := c.CreateUser(ctx, zendesk.User{Name: "Ivy Identity", Email: "ivy@example.org"})
		must(t, "CreateUser", err)
		base := "/users/" + strconv.FormatInt(u.ID, 10) + "/identities"

		list := func(t *testing.T) []identity {
			t.Helper()
			var l identityList
			rawGet(t, c, base+".json", &l)
			if l.Count != nil && *l.Count != int64(len(l.Identities)) {
				t.Fatalf("identities count %d for %d identities", *l.Count, len(l.Identities))
			}
			return l.Identities
		}
		email := func(t *testing.T) string {
			t.Helper()
			got, err := c.GetUser(ctx, u.ID)
			must(t, "GetUser", err)
			return got.Email
		}

		ids := list(t)
		if len(ids) != 1 || ids[0].Type != "email" || ids[0].Value != "ivy@example.org" || !ids[0].Primary || ids[0].UserID != u.ID {
			t.Fatalf("identities of a new user: %+v", ids)
		}
		first := ids[0]
		wantURL(t, "identity", first.URL, base+"/"+strconv.FormatInt(first.ID, 10)+".json")

		var added struct {
			Identity identity `json:"identity"`
		}
		t.Run("add second email", func(t *testing.T) {
			rawPost(t, c, base+".json", map[string]any{"identity": map[string]any{"type": "email", "value": "ivy.work@example.org"}}, &added)
			a := added.Identity
			if a.ID == 0 || a.UserID != u.ID || a.Type != "email" || a.Value != "ivy.work@example.org" || a.Primary {
				t.Fatalf("added identity: %+v", a)
			}
			if got := list(t); len(got) != 2 {
				t.Fatalf("identities after add: %+v", got)
			}
			if e := email(t); e != "ivy@example.org" {
				t.Fatalf("user.email after adding a secondary email: %q", e)
			}
			var one struct {
				Identity identity `json:"identity"`
			}
			rawGet(t, c, base+"/"+strconv.FormatInt(a.ID, 10)+".json", &one)
			if one.Identity != a {
				t.Fatalf("GET identity: %+v, want %+v", one.Identity, a)
			}
		})

		t.Run("make_primary", func(t *testing.T) {
			var out identityList
			rawPut(t, c, base+"/"+strconv.FormatInt(added.Identity.ID, 10)+"/make_primary.json", nil, &out)
			primaries := 0
			for _, i := range out.Identities {
				if i.Primary {
					primaries++
					if i.ID != added.Identity.ID {
						t.Fatalf("primary is %+v, want %d", i, added.Identity.ID)
					}
				}
			}
			if len(out.Identities) != 2 || primaries != 1 {
				t.Fatalf("make_primary answer: %+v", out.Identities)
			}
			if e := email(t); e != "ivy.work@example.org" {
				t.Fatalf("user.email after make_primary: %q, want the new primary", e)
			}
		})

		t.Run("delete identity", func(t *testing.T) {
			r := do(t, s, s.Default, http.MethodDelete, "/api/v2"+base+"/"+strconv.FormatInt(first.ID, 10)+".json", nil)
			if r.Status != http.StatusNoContent || len(r.Body) != 0 {
				t.Fatalf("DELETE identity: %d %q", r.Status, r.Body)
			}
			got := list(t)
			if len(got) != 1 || got[0].ID != added.Identity.ID || !got[0].Primary {
				t.Fatalf("identities after delete: %+v", got)
			}
			if e := email(t); e != "ivy.work@example.org" {
				t.Fatalf("user.email after deleting the old email: %q", e)
			}
			_, err := c.Get(ctx, base+"/"+strconv.FormatInt(first.ID, 10)+".json")
			zdError(t, "GET deleted identity", err, http.StatusNotFound)
		})

		t.Run("delete with go-zendesk", func(t *testing.T) {
			var third struct {
				Identity identity `json:"identity"`
			}
			rawPost(t, c, base+".json", map[string]any{"identity": map[string]any{"type": "email", "value": "ivy.home@example.org"}}, &third)
			if len(list(t)) != 2 || third.Identity.Primary {
				t.Fatalf("third identity: %+v", third.Identity)
			}
			// This endpoint answers 204, which go-zendesk's Delete requires.
			must(t, "Delete identity", c.Delete(ctx, base+"/"+strconv.FormatInt(third.Identity.ID, 10)+".json"))
			got := list(t)
			if len(got) != 1 || got[0].ID != added.Identity.ID || !got[0].Primary {
				t.Fatalf("identities after delete: %+v", got)
			}
			if e := email(t); e != "ivy.work@example.org" {
				t.Fatalf("user.email after deleting a secondary email: %q", e)
			}
		})
	})
}

package gozendesk_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"parley/internal/app/apptest"
)

func TestErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		c := client(t, s)
		beta := s.NewTenant(t, "beta")
		bc := tenantClient(t, s, beta)

		t.Run("unknown user is 404", func(t *testing.T) {
			_, err := c.GetUser(ctx, 987654321)
			body := zdError(t, "GetUser unknown", err, http.StatusNotFound)
			if !strings.Contains(body, `"error":"RecordNotFound"`) {
				t.Fatalf("404 body: %s", body)
			}
			_, err = c.UpdateUser(ctx, 987654321, zendesk.User{Name: "Nobody"})
			zdError(t, "UpdateUser unknown", err, http.StatusNotFound)
		})

		t.Run("validation is 422", func(t *testing.T) {
			_, err := c.CreateUser(ctx, zendesk.User{Name: "", Email: "blank@example.org"})
			body := zdError(t, "CreateUser without name", err, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `"error":"RecordInvalid"`) || !strings.Contains(body, `"name"`) {
				t.Fatalf("422 body: %s", body)
			}
			_, err = c.CreateUser(ctx, zendesk.User{Name: "Bad Email", Email: "not an email"})
			body = zdError(t, "CreateUser bad email", err, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `"email"`) {
				t.Fatalf("422 body: %s", body)
			}
		})

		t.Run("second account through its host", func(t *testing.T) {
			me, err := bc.GetUser(ctx, beta.OwnerID)
			must(t, "beta GetUser owner", err)
			if me.ID != beta.OwnerID || me.Email != beta.Email || me.Role != "admin" {
				t.Fatalf("beta owner: %+v", me)
			}
			bu, err := bc.CreateUser(ctx, zendesk.User{Name: "Beta Customer", Email: "customer@beta.example", ExternalID: "shared-ext"})
			must(t, "beta CreateUser", err)
			us, _, err := bc.GetUsers(ctx, nil)
			must(t, "beta GetUsers", err)
			sameIDs(t, "beta users", idSet(t, "beta users", us, userID), beta.OwnerID, bu.ID)

			// The first account cannot see it, by id or by external id.
			_, err = c.GetUser(ctx, bu.ID)
			body := zdError(t, "alpha GetUser of a beta user", err, http.StatusNotFound)
			if !strings.Contains(body, "RecordNotFound") {
				t.Fatalf("cross-account 404 body: %s", body)
			}
			_, err = c.GetUser(ctx, beta.OwnerID)
			zdError(t, "alpha GetUser of beta's owner", err, http.StatusNotFound)
			many, _, err := c.GetManyUsers(ctx, &zendesk.GetManyUsersOptions{IDs: joinIDs(bu.ID), ExternalIDs: "shared-ext"})
			must(t, "alpha GetManyUsers", err)
			if len(many) != 0 {
				t.Fatalf("alpha show_many sees beta users: %+v", many)
			}
			found, _, err := c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "customer@beta.example"})
			must(t, "alpha SearchUsers", err)
			if len(found) != 0 {
				t.Fatalf("alpha search sees beta users: %+v", found)
			}
			// And the same external id is free in the first account.
			au, err := c.CreateUser(ctx, zendesk.User{Name: "Alpha Customer", Email: "customer@alpha.example", ExternalID: "shared-ext"})
			must(t, "alpha CreateUser with beta's external id", err)
			if au.ID == bu.ID {
				t.Fatalf("same id in two accounts")
			}
		})

		t.Run("credentials of another account are 401", func(t *testing.T) {
			// The first account's token, sent to the second account's host.
			wrong := clientFor(t, s, s.Default, apptest.HostClient(beta.Host))
			_, err := wrong.GetUser(ctx, beta.OwnerID)
			body := zdError(t, "alpha token on beta host", err, http.StatusUnauthorized)
			if !strings.Contains(body, "Couldn't authenticate you") {
				t.Fatalf("401 body: %s", body)
			}
			_, _, err = wrong.GetUsers(ctx, nil)
			zdError(t, "alpha token on beta host, list", err, http.StatusUnauthorized)
			// A wrong token on the right host is 401 too.
			bad := clientFor(t, s, apptest.Tenant{Email: beta.Email, Token: "not-the-token"}, apptest.HostClient(beta.Host))
			_, err = bad.GetUser(ctx, beta.OwnerID)
			zdError(t, "wrong token", err, http.StatusUnauthorized)
		})
	})
}

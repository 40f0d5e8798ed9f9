package apptest_test

import (
	"testing"

	"parley/internal/app/apptest"
)

func TestSmoke(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		b := s.NewTenant(t, "beta")
		r := s.Do(t, apptest.Request{Path: "/api/v2/users/me.json", Host: b.Host, Auth: b.TokenAuth()})
		if r.Status != 200 || r.JSON(t)["user"].(map[string]any)["email"] != b.Email {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r = s.Do(t, apptest.Request{Path: "/api/v2/users/me.json", Host: b.Host, Auth: s.Default.TokenAuth()})
		if r.Status != 401 {
			t.Fatalf("cross-tenant token: %d %s", r.Status, r.Body)
		}
	})
}

package browser_test

import (
	"fmt"
	"net/url"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/e2e/browser"
)

// TestSharingPage runs sharing.js: the Ticket sharing page between two
// accounts of one installation, in Chromium, on both dialects.
func TestSharingPage(t *testing.T) {
	browser.Require(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		beta := s.NewTenant(t, "beta")
		u, err := url.Parse(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		at := func(tn apptest.Tenant) string { return fmt.Sprintf("http://%s:%s", tn.Host, u.Port()) }
		browser.Run(t, s, "sharing.js", "PARLEY_A_URL="+at(s.Default), "PARLEY_B_URL="+at(beta),
			"PARLEY_B_EMAIL="+beta.Email, "PARLEY_B_PASSWORD="+beta.Password)
	})
}

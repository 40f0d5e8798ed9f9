package nodezendesk_test

import (
	"path/filepath"
	"testing"

	"parley/internal/app/apptest"
	"parley/internal/platform/db/dbtest"
)

// TestNodeZendeskSharing runs sharing.js (node-zendesk's sharingagreement
// and tickets clients) against two Parley installations on every dialect:
// an invitation, acceptance, a shared ticket and its reply, deactivation.
func TestNodeZendeskSharing(t *testing.T) {
	root := repoRoot(t)
	node := requireNode(t, root)
	script, err := filepath.Abs("sharing.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			opts := []apptest.Option{apptest.WithWebhookAllow("127.0.0.1")}
			a, b := apptest.Start(t, d, opts...), apptest.Start(t, d, opts...)
			runScript(t, root, node, script, a, "PARLEY_URL_B="+b.URL+"/api/v2", "PARLEY_EMAIL_B="+b.Default.Email,
				"PARLEY_TOKEN_B="+b.Default.Token)
		})
	}
}

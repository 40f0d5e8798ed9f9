// Package migrations embeds the numbered SQL migrations, one folder per
// dialect. Never edit an applied file: add the next number instead.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS

package sshd

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// Names a tenant can write through the application reach the SSH
// client's terminal only escaped.
func TestHostileNamesNeverReachTheClientRaw(t *testing.T) {
	f := newFixture(t, nil)
	central := f.env.Database(t, f.env.Prefix+"central")
	for i, name := range uitest.Hostile {
		id := uuid.NewString()
		_, err := central.Exec("INSERT INTO tenants (id, name, `database`, status, data, created_at, updated_at) VALUES (?, ?, ?, 'active', '{}', NOW(), NOW())",
			id, name, fmt.Sprintf("%sh%d", f.env.Config.Tenancy.DatabasePrefix, i))
		require.NoError(t, err)
		_, err = central.Exec("INSERT INTO domains (domain, tenant_id, created_at, updated_at) VALUES (?, ?, NOW(), NOW())", fmt.Sprintf("h%d.localhost", i), id)
		require.NoError(t, err)
	}
	tm := f.open(t, f.keys["viewer"])
	tm.waitFor(15*time.Second, fmt.Sprintf("%d of %d", len(uitest.Hostile), len(uitest.Hostile)), uitest.Shown("red \x1b[31mred"))
	tm.send("s") // sort by name: more rows drawn again
	time.Sleep(300 * time.Millisecond)
	raw := tm.raw.String()
	for _, payload := range []string{"\x1b]52;c;aGk=\a", "\x1b]0;title\a", "clear \x1b[2J", "red \x1b[31m", "\u202e", "\u2066", "line\nbreak", "carriage\rreturn", "\u009b31m", "\x7f"} {
		require.NotContains(t, raw, payload, "the session wrote %q raw", payload)
	}
	screen := tm.emu.String()
	uitest.RequireSafe(t, strings.TrimRight(screen, "\n"))
	require.Contains(t, tm.screen(), uitest.Shown("title \x1b]0;title\a"))
}

package create

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

// hostileRun is a creation whose name and the service's step messages
// hold hostile text (a name typed, pasted, or one the service echoes).
func hostileRun(t *testing.T, w, h int) *Model {
	m := screen(t, w, h)
	startRun(m, uitest.Hostile[4])
	m.f.database = "tenant_\x1b[2J"
	report(m, tenants.StepDatabase, tenants.StepDone, "create database tenant_\x1b[2J\u202e on central")
	report(m, tenants.StepUser, tenants.StepSkipped, "")
	report(m, tenants.StepRecords, tenants.StepStarted, "register tenant "+uitest.Hostile[5]+"\nwith 1 domain")
	return m
}

func TestHostileProgressIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := hostileRun(t, size[0], size[1]-2)
		view := m.View()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, 4+len(tenants.CreateSteps))
		plain := uitest.Plain(view)
		require.Contains(t, plain, `Creating tenant title \e]0;title\a`)
		require.Contains(t, plain, `✓ database    create database tenant_\e[2J\u202e on central`)
		require.Contains(t, plain, `register tenant clip \e]52;c;aGk=\a with 1 domain`, "a message is one line")
		uitest.Golden(t, fmt.Sprintf("create_hostile_running_%dx%d", size[0], size[1]), view)

		tn := uitest.HostileTenant()
		_, cmd := m.Update(doneMsg{id: 5, t: tn})
		for _, msg := range uitest.Msgs(cmd) {
			if f, ok := msg.(common.FlashMsg); ok {
				require.Equal(t, "created tenant "+uitest.Shown(tn.Name), f.Text)
			}
		}
		view = m.View()
		uitest.RequireSafe(t, view)
		plain = uitest.Plain(view)
		uitest.RequireShown(t, plain, tn.ID, tn.Database+" on "+tn.Server)
		require.Contains(t, strings.Join(strings.Fields(plain), " "), "Created tenant [5] "+uitest.Shown(tn.Name))
	}
}

func TestHostileFailureIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := hostileRun(t, size[0], size[1]-2)
		report(m, tenants.StepRecords, tenants.StepFailed, "Duplicate entry '"+uitest.Hostile[2]+"' for key 'PRIMARY'")
		m.f.server = "central\x1b]0;x\a"
		err := &tenants.StepError{Step: tenants.StepRecords,
			Err:         fmt.Errorf("register tenant %s: Duplicate entry '%s' for key 'PRIMARY'", uitest.Hostile[5], uitest.Hostile[2]),
			RollbackErr: errors.Join(errors.New("drop database tenant_\x1b[2J: gone"), errors.New("and \u202e more"))}
		_, cmd := m.Update(doneMsg{id: 5, err: err})
		require.Nil(t, cmd)
		view := m.View()
		uitest.RequireSafe(t, view)
		flat := strings.Join(strings.Fields(uitest.Plain(view)), " ")
		require.Contains(t, flat, `Step records failed: register tenant clip \e]52;c;aGk=\a: Duplicate entry 'red \e[31mred' for key 'PRIMARY'`)
		require.Contains(t, flat, `Rolling back also failed: drop database tenant_\e[2J: gone and \u202e more`, "a joined error is one paragraph")
		require.Contains(t, flat, `Check server central\e]0;x\a for leftovers of tenant_\e[2J`)
		uitest.Golden(t, fmt.Sprintf("create_hostile_failed_%dx%d", size[0], size[1]), view)

		m.err = fmt.Errorf("create tenant: domain %s belongs to %s", uitest.Hostile[0], uitest.Hostile[3])
		view = m.View()
		uitest.RequireSafe(t, view)
		// an error's own lines are joined (errors.Join), and so is a newline
		// inside a name it quotes: the screen cannot tell them apart
		require.Contains(t, uitest.Plain(view), `Not created: domain line break belongs to clear \e[2Jscreen`)
	}
}

func TestHostileOwnerInDomainCheck(t *testing.T) {
	m := screen(t, 80, 22)
	m.Update(ownersMsg{f: m.f, owners: map[string]string{"acme.localhost": uitest.Hostile[5]}})
	err := m.f.validateDomains("acme.localhost")
	require.EqualError(t, err, `domain acme.localhost already belongs to tenant clip \e]52;c;aGk=\a`)
	require.True(t, termtext.Safe(err.Error()))
}

package create

import (
	"errors"
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func screen(t *testing.T, w, h int) *Model {
	t.Helper()
	m := New(uitest.Context(t, false, w, h))
	m.SetSize(w, h)
	m.Init()
	return m
}

// startRun puts the screen in the state startCreate leaves it in, without
// a service: the test plays the service's reports.
func startRun(m *Model, name string) (cancelled *bool) {
	m.f.name = name
	m.phase, m.runID, m.start = running, 5, m.c.Now()
	c := false
	m.cancel = func() { c = true }
	return &c
}

func report(m *Model, step tenants.Step, state tenants.StepState, msg string) {
	m.Update(progressMsg{id: 5, p: tenants.Progress{Step: step, State: state, Message: msg}})
}

func TestFormSuggestsDatabase(t *testing.T) {
	m := screen(t, 80, 22)
	require.True(t, m.Capturing())
	require.Equal(t, "tenant"+m.f.id, m.f.database, "prefix + id as the service would name it")
	req := m.f.request()
	require.Equal(t, m.f.id, req.ID)
	require.True(t, req.Seed)
	require.Equal(t, "central", req.Server)
	m.f.domains = " acme.localhost, www.acme.localhost ,"
	require.Equal(t, []string{"acme.localhost", "www.acme.localhost"}, m.f.request().Domains)
	require.Error(t, validateDomains("bad_domain!"))
	require.NoError(t, validateDomains("ok.localhost, "))
}

func TestEscLeavesForm(t *testing.T) {
	m := screen(t, 80, 22)
	_, cmd := m.Update(uitest.Key("esc"))
	require.Equal(t, []tea.Msg{common.BackMsg{}}, uitest.Msgs(cmd))
}

func TestEscCancelsRun(t *testing.T) {
	m := screen(t, 80, 22)
	cancelled := startRun(m, "Acme Corp")
	report(m, tenants.StepDatabase, tenants.StepStarted, "create database tenant_x on central")
	_, cmd := m.Update(uitest.Key("esc"))
	require.Nil(t, cmd, "the screen stays to show the rollback")
	require.True(t, *cancelled)
}

func TestProgressAndSuccess(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := screen(t, size[0], size[1]-2)
		startRun(m, "Acme Corp")
		report(m, tenants.StepDatabase, tenants.StepStarted, "create database tenant_acme on central (utf8mb4, utf8mb4_unicode_ci)")
		report(m, tenants.StepDatabase, tenants.StepDone, "")
		report(m, tenants.StepUser, tenants.StepSkipped, "")
		report(m, tenants.StepRecords, tenants.StepStarted, "register tenant acme with 1 domain(s)")
		view := uitest.Plain(m.View())
		require.Contains(t, view, "✓ database    create database tenant_acme", "done keeps what the step did")
		require.Contains(t, view, "– user        skipped")
		uitest.Golden(t, fmt.Sprintf("create_running_%dx%d", size[0], size[1]), m.View())
		tn := uitest.Tenants(1)[0]
		_, cmd := m.Update(doneMsg{id: 5, t: tn})
		msgs := uitest.Msgs(cmd)
		require.Contains(t, msgs, tea.Msg(common.TenantsChangedMsg{}))
		_, cmd = m.Update(uitest.Key("enter"))
		require.Equal(t, []tea.Msg{common.BackMsg{}, common.OpenMsg{Name: "detail", Arg: tn.ID, Data: tn}}, uitest.Msgs(cmd))
	}
}

func TestFailureSaysStepAndRollback(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := screen(t, size[0], size[1]-2)
		startRun(m, "Acme Corp")
		report(m, tenants.StepDatabase, tenants.StepDone, "create database tenant_acme on central")
		report(m, tenants.StepRecords, tenants.StepDone, "register tenant acme with 1 domain(s)")
		report(m, tenants.StepMigrations, tenants.StepFailed, "Error 1050: Table 'users' already exists")
		report(m, tenants.StepMigrations, tenants.StepRolledBack, "everything already done was rolled back")
		err := &tenants.StepError{Step: tenants.StepMigrations, Err: errors.New("Error 1050: Table 'users' already exists"), RolledBack: true}
		_, cmd := m.Update(doneMsg{id: 5, err: err})
		require.Nil(t, cmd)
		view := uitest.Plain(m.View())
		require.Contains(t, view, "Step migrations failed")
		require.Contains(t, view, "rolled back")
		uitest.Golden(t, fmt.Sprintf("create_failed_%dx%d", size[0], size[1]), m.View())
		_, cmd = m.Update(uitest.Key("enter"))
		require.Nil(t, cmd, "nothing to open after a failure")
	}
}

func TestFormGolden(t *testing.T) {
	for _, size := range uitest.Sizes {
		m := screen(t, size[0], size[1]-2)
		m.f.id = "00000000-0000-4000-8000-000000000000" // the view shows the suggested name
		m.form = newFormWithID(m.c, m.f, m.f.id)
		m.SetSize(size[0], size[1]-2)
		m.form.Init()
		uitest.Golden(t, fmt.Sprintf("create_form_%dx%d", size[0], size[1]), m.View())
	}
}

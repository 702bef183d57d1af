// Package backups is the dashboard's backups screen for one tenant: its
// catalogue (time, kind, size, compression, status, verified), a backup
// started with the chosen kind and compression and shown live (a bar per
// table, an overall bar, raw and written MB/s, ETA, elapsed; esc cancels
// and nothing partial is kept), verify, restore (the tenant's name typed;
// shown live by stage, SQL read and statements; esc cancels and the
// database is left untouched; an encrypted backup first asks for its age
// identity file when [backup] identity_file is unset), delete, and a
// cleanup preview by [backup.retention] to apply.
package backups

import (
	"context"
	"errors"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/go-sql-driver/mysql"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
)

// Name is the screen's registry name.
const Name = "backups"

// Register adds the screen and its `:backups REF` command.
func Register(r *common.Registry) {
	r.ScreenCommand(Name, "REF", "a tenant's backups (back up, restore…)",
		func(c *common.Context, arg string, data any) (common.Screen, error) {
			if t, ok := data.(tenants.Tenant); ok {
				return New(c, t), nil
			}
			if arg == "" {
				return nil, fmt.Errorf(":backups needs a tenant: :backups REF")
			}
			return NewRef(c, arg), nil
		})
	r.Command(common.Command{Name: "backup", Args: "REF...", Help: "back up tenants in the background", Write: true, Run: backupCommand})
}

// listMsg carries the tenant and its catalogue.
type listMsg struct {
	id   int
	t    tenants.Tenant
	list []backup.Backup
	err  error
}

// Model is the backups screen.
type Model struct {
	c       *common.Context
	ref     string
	t       tenants.Tenant
	have    bool
	list    []backup.Backup
	loadErr error
	reqID   int
	cursor  int

	kind, compression string
	job               *job
	// restoreAsk tags the restore dialog this screen opened last.
	restoreAsk int
	// outcome is the last backup's result line ("" before any).
	outcome      string
	outcomeError bool

	guard         common.DialogGuard
	width, height int
}

// New shows a tenant already loaded.
func New(c *common.Context, t tenants.Tenant) *Model {
	m := NewRef(c, t.ID)
	m.t, m.have = t, true
	return m
}

// NewRef shows the tenant ref resolves to.
func NewRef(c *common.Context, ref string) *Model {
	kind, compression := defaults(c)
	return &Model{c: c, ref: ref, kind: kind, compression: compression}
}

// Init loads the tenant and its backups.
func (m *Model) Init() tea.Cmd { return m.reload() }

func (m *Model) reload() tea.Cmd {
	m.reqID = m.c.NextID()
	id, ref, t, have := m.reqID, m.ref, m.t, m.have
	return m.c.Run(func(ctx context.Context) tea.Msg {
		if !have {
			var err error
			if t, err = m.c.Service.Find(ctx, ref); err != nil {
				return listMsg{id: id, err: err}
			}
		}
		bs, err := backup.Open(ctx, m.c.Service)
		if err != nil {
			return listMsg{id: id, t: t, err: err}
		}
		list, err := bs.List(ctx, t.ID)
		if noCatalog(err) {
			err = nil // read-only never creates it: no backup was ever made
		}
		return listMsg{id: id, t: t, list: list, err: err}
	})
}

// Title implements common.Screen (the name escaped).
func (m *Model) Title() string {
	if m.have {
		return "Backups of " + termtext.Line(m.t.Name)
	}
	return "Backups of " + termtext.Line(m.ref)
}

// Capturing implements common.Screen: the screen takes no free text.
func (m *Model) Capturing() bool { return false }

// Busy implements common.Busy: a backup or restore is running.
func (m *Model) Busy() bool { return m.job != nil }

// SetSize implements common.Screen.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	if m.guard.Swallow(m.c, msg) {
		return m, nil
	}
	switch msg := msg.(type) {
	case listMsg:
		if msg.id != m.reqID {
			return m, nil
		}
		m.loadErr = msg.err
		if msg.t.ID != "" {
			m.t, m.have = msg.t, true
		}
		m.list = msg.list
		m.cursor = min(m.cursor, max(len(m.list)-1, 0))
		return m, nil
	case progressMsg:
		if m.job == nil || msg.job != m.job.id {
			return m, nil
		}
		m.job.update(msg.p)
		return m, m.job.wait(m.c)
	case doneMsg:
		if m.job == nil || msg.job != m.job.id {
			return m, nil
		}
		m.job = nil
		m.outcome, m.outcomeError = outcome(m.t, msg.b, msg.err)
		return m, m.reload()
	case restoreMsg:
		if msg.ask != m.restoreAsk {
			return m, nil
		}
		return m, m.startRestore(msg.b, msg.identity)
	case restoredMsg:
		if m.job == nil || msg.job != m.job.id {
			return m, nil
		}
		m.outcome, m.outcomeError = restoreOutcome(m.t, *m.job.restore, msg.res, msg.err)
		m.job = nil
		return m, m.reload()
	case reloadMsg:
		return m, m.reload()
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// busy is the error for work asked while a backup or restore runs.
func (m *Model) busy() error {
	what := "backup"
	if m.job.restore != nil {
		what = "restore"
	}
	return fmt.Errorf("a %s of %s is running: wait for it, or esc cancels it", what, termtext.Line(m.t.Name))
}

// noCatalog reports the central tenant_backups table missing (ER_NO_SUCH_TABLE).
func noCatalog(err error) bool {
	var my *mysql.MySQLError
	return errors.As(err, &my) && my.Number == 1146
}

// unusable says why a failed or running backup cannot be verified or restored.
func unusable(b backup.Backup) error {
	if b.Status == backup.StatusRunning {
		return fmt.Errorf("backup %d is still running; there is nothing to restore yet", b.ID)
	}
	return fmt.Errorf("backup %d %s; there is nothing to restore", b.ID, b.Status)
}

// reloadMsg asks the screen to re-read the catalogue (after an action).
type reloadMsg struct{}

func (m *Model) selected() (backup.Backup, bool) {
	if m.cursor < 0 || m.cursor >= len(m.list) {
		return backup.Backup{}, false
	}
	return m.list[len(m.list)-1-m.cursor], true // newest first on screen
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		if m.job != nil && m.job.swapping() {
			return common.Flash("the restored tables are being swapped in: that step cannot be cancelled")
		}
		if m.job != nil {
			m.job.cancel()
			return nil
		}
		return common.Back()
	case key.Matches(msg, k.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, k.Down):
		m.cursor = min(m.cursor+1, max(len(m.list)-1, 0))
	case key.Matches(msg, k.Top):
		m.cursor = 0
	case key.Matches(msg, k.Bottom):
		m.cursor = max(len(m.list)-1, 0)
	case key.Matches(msg, k.Refresh):
		return m.reload()
	case key.Matches(msg, k.Kind):
		m.kind = map[string]string{backup.KindFull: backup.KindStructure, backup.KindStructure: backup.KindFull}[m.kind]
	case key.Matches(msg, k.Compression):
		m.compression = map[string]string{backup.CompressZstd: backup.CompressGzip, backup.CompressGzip: backup.CompressNone, backup.CompressNone: backup.CompressZstd}[m.compression]
	case !m.have:
		return nil
	case m.job != nil && key.Matches(msg, k.Create, k.Restore, k.Delete, k.Cleanup):
		return common.FlashError(m.busy())
	case key.Matches(msg, k.Create):
		return m.startBackup()
	case key.Matches(msg, k.Cleanup):
		return m.guard.Open(m.c, m.askCleanup())
	}
	b, ok := m.selected()
	if !ok {
		return nil
	}
	if key.Matches(msg, k.Verify, k.Restore) && b.Status != backup.StatusComplete {
		return common.FlashError(unusable(b))
	}
	switch {
	case key.Matches(msg, k.Verify):
		return m.withIdentity(b, "verify", true, func(identity string) tea.Cmd { return m.verify(b, identity) })
	case key.Matches(msg, k.Restore):
		if m.c.ReadOnly {
			return common.FlashError(tenants.ErrReadOnly)
		}
		return m.withIdentity(b, "restore", false, func(identity string) tea.Cmd {
			return m.guard.Open(m.c, m.confirmRestore(b, identity))
		})
	case key.Matches(msg, k.Delete):
		return m.guard.Open(m.c, m.confirmDelete(b))
	}
	return nil
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	if m.job != nil {
		cancel := k.Back
		cancel.SetHelp("esc", "cancel backup")
		if m.job.restore != nil {
			cancel.SetHelp("esc", "cancel restore")
		}
		return []key.Binding{cancel}
	}
	backupKey := k.Create
	backupKey.SetHelp(k.Create.Help().Key, "back up")
	return []key.Binding{k.Back, backupKey, k.Kind, k.Compression, k.Verify, k.Restore, k.Delete, k.Cleanup}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.Refresh, k.Back}, m.ShortHelp()[1:]}
}

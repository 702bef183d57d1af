package backups

import (
	"context"
	"fmt"

	humanize "github.com/dustin/go-humanize"

	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/backup"
	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/confirm"
)

// act runs fn on the backup service under a footer task, then flashes
// its result (or error) and reloads the catalogue.
func (m *Model) act(task string, fn func(ctx context.Context, bs *backup.Service) (string, error)) tea.Cmd {
	id := fmt.Sprintf("backups-%d", m.c.NextID())
	run := m.c.Run(func(ctx context.Context) tea.Msg {
		bs, err := backup.Open(ctx, m.c.Service)
		text := ""
		if err == nil {
			text, err = fn(ctx, bs)
		}
		flash := common.Flash(text)
		if err != nil {
			flash = common.FlashError(err)
		}
		return tea.BatchMsg{common.EndTask(id), flash, func() tea.Msg { return reloadMsg{} }}
	})
	return tea.Batch(common.StartTask(id, task), run)
}

// verify re-reads b, decrypting it with the identity file at identity
// when it is encrypted (else [backup] identity_file; without either,
// the stored size and checksum are checked).
func (m *Model) verify(b backup.Backup, identity string) tea.Cmd {
	return m.act(fmt.Sprintf("verifying backup %d", b.ID), func(ctx context.Context, bs *backup.Service) (string, error) {
		if err := useIdentity(bs, identity); err != nil {
			return "", err
		}
		res, err := bs.Verify(ctx, b)
		if err != nil {
			return "", err
		}
		if res.Checked == backup.CheckedStored {
			return fmt.Sprintf("backup %d: stored size %s and sha256 %.12s… match the catalog (encrypted: give its identity file to check the SQL and footer)",
				b.ID, humanize.IBytes(uint64(res.Size)), res.SHA256), nil
		}
		return fmt.Sprintf("backup %d is sound: %s, sha256 %.12s…, footer found", b.ID, humanize.IBytes(uint64(res.Size)), res.SHA256), nil
	})
}

// useIdentity makes bs decrypt with the identity file at path ("": what
// [backup] identity_file says).
func useIdentity(bs *backup.Service, path string) error {
	if path == "" {
		return nil
	}
	return bs.UseIdentityFile(path)
}

// withIdentity runs next at once when b can be read as configured, else
// after the identity form got a file that decrypts it (or, optional, none).
func (m *Model) withIdentity(b backup.Backup, what string, optional bool, next func(identity string) tea.Cmd) tea.Cmd {
	if !m.needsIdentity(b) {
		return next("")
	}
	return m.guard.Open(m.c, common.Push(newIdentityForm(m.c, b, what, optional, next)))
}

func backupLine(b backup.Backup) string {
	return fmt.Sprintf("Backup    %d, %s %s, %s, %s", b.ID, b.Kind, b.StartedAt.UTC().Format("2006-01-02 15:04:05"),
		humanize.IBytes(uint64(b.Size)), b.Compression)
}

// confirmRestore asks for the tenant's name before replacing its database
// with b (decrypted with the identity file at identity, if not "").
func (m *Model) confirmRestore(b backup.Backup, identity string) tea.Cmd {
	if m.c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	t, ask := m.t, m.c.NextID()
	m.restoreAsk = ask
	restore := func() tea.Msg { return restoreMsg{ask: ask, b: b, identity: identity} }
	lines := []string{backupLine(b),
		fmt.Sprintf("Replaces  every table, view, trigger and routine of %s on %s", t.Database, t.Server)}
	if identity != "" {
		lines = append(lines, "Decrypts  with "+identity)
	}
	// the dialog escapes what it shows, and takes the name typed as shown
	return common.Push(confirm.New(m.c, confirm.Options{
		Title: "Restore " + t.Name,
		Lines: append(lines,
			"The file is verified first; if anything fails, or esc stops it while it runs, the database is left as it was."),
		Require: t.Name, Action: "Restore", Danger: true, OnConfirm: restore,
	}))
}

func (m *Model) confirmDelete(b backup.Backup) tea.Cmd {
	if m.c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	del := m.act(fmt.Sprintf("deleting backup %d", b.ID), func(ctx context.Context, bs *backup.Service) (string, error) {
		if err := bs.Delete(ctx, b); err != nil {
			return "", err
		}
		return fmt.Sprintf("deleted backup %d", b.ID), nil
	})
	return common.Push(confirm.New(m.c, confirm.Options{
		Title:  "Delete a backup of " + m.t.Name,
		Lines:  []string{backupLine(b), "Deletes the file, its catalog row and its metadata.json entry."},
		Action: "Delete", Danger: true, OnConfirm: del,
	}))
}

// askCleanup opens the policy form, prefilled from [backup.retention].
func (m *Model) askCleanup() tea.Cmd {
	if m.c.ReadOnly {
		return common.FlashError(tenants.ErrReadOnly)
	}
	return common.Push(newPolicyForm(m.c, m.t, m.previewCleanup))
}

// previewCleanup plans policy over the tenant's backups (a dry run) and
// shows what it would remove in a confirmation.
func (m *Model) previewCleanup(policy backup.Policy) tea.Cmd {
	t := m.t
	return m.c.Run(func(ctx context.Context) tea.Msg {
		bs, err := backup.Open(ctx, m.c.Service)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		plan, err := bs.Cleanup(ctx, t.ID, policy, true)
		if err != nil {
			return common.FlashMsg{Text: err.Error(), Error: true}
		}
		return confirmCleanup(m, plan, policy)()
	})
}

func confirmCleanup(m *Model, plan []backup.Decision, policy backup.Policy) tea.Cmd {
	var items []string // the dialog lists as many as the terminal fits
	for _, d := range plan {
		if !d.Keep {
			items = append(items, "remove "+backupLine(d.Backup)[len("Backup    "):])
		}
	}
	removed := len(items)
	if removed == 0 {
		return common.Flash(fmt.Sprintf("cleanup: the policy keeps all %d backups of %s", len(plan), termtext.Line(m.t.Name)))
	}
	note := fmt.Sprintf("keeps %d of %d backups (the newest complete one always)", len(plan)-removed, len(plan))
	t := m.t
	apply := m.act("cleaning up backups of "+termtext.Line(t.Name), func(ctx context.Context, bs *backup.Service) (string, error) {
		done, err := bs.Cleanup(ctx, t.ID, policy, false)
		if err != nil {
			return "", err
		}
		n := 0
		for _, d := range done {
			if !d.Keep {
				n++
			}
		}
		return fmt.Sprintf("cleanup removed %s of %s", common.Plural(n, "backup"), termtext.Line(t.Name)), nil
	})
	return common.Push(confirm.New(m.c, confirm.Options{
		Title: "Clean up backups of " + t.Name, Items: items, Note: note, Action: "Remove", Danger: true, OnConfirm: apply,
	}))
}

// Package keys holds the dashboard's one key map. Every binding has an
// action name; `[ui] keys` in the config rebinds actions
// (`delete = ["D"]`), and read-only mode disables the write actions so
// they neither match nor show in help.
package keys

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every binding of the dashboard. Screens use the bindings that
// apply to them; names in Actions are what the config rebinds.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	Open, Back, Filter, Sort, SortDir, Mark key.Binding
	Refresh, Help, Palette, Quit, ForceQuit key.Binding
	NextField, PrevField                    key.Binding
	// Jump collects a [#] to go to (then enter).
	Jump key.Binding

	// Backups opens a tenant's backups; Verify, Kind and Compression act
	// on the backups screen. Resolve looks a tenant's domains up through
	// the resolver (a read: never a write key's, so read-only keeps it).
	Backups, Verify, Kind, Compression, Resolve key.Binding

	// Write actions, disabled in read-only mode (Mark too: marks only
	// gather tenants for bulk writes).
	Create, Delete, Activate, Deactivate, Block, AddDomain, RemoveDomain, Perf key.Binding
	Restore, Cleanup                                                           key.Binding
	// Edit opens a tenant's edit form (detail); MaintenanceDown and
	// MaintenanceUp put tenants down for maintenance and bring them up
	// (detail, and the marked tenants of the list).
	Edit, MaintenanceDown, MaintenanceUp key.Binding
	// FinalBackup toggles "final backup first" in the delete dialog.
	FinalBackup key.Binding

	// Runs opens the fleet runs screen; StateFilter cycles a run's items
	// by state there. StartRun (tenant list) starts a fleet operation on
	// the marked tenants; CancelRun, Resume, RetryFailed and Continue act
	// on a run (writes).
	Runs, StateFilter                                  key.Binding
	StartRun, CancelRun, Resume, RetryFailed, Continue key.Binding

	// refused are the write bindings as they were before read-only mode
	// disabled them, to tell the user why such a key does nothing.
	refused []key.Binding
}

// New returns the default key map with overrides applied (action name ->
// keys, from `[ui] keys`); readOnly disables the write actions.
func New(overrides map[string][]string, readOnly bool) (*KeyMap, error) {
	k := defaults()
	actions := k.Actions()
	var unknown []string
	for name, ks := range overrides {
		b, ok := actions[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		if len(ks) == 0 {
			b.Unbind()
			continue
		}
		b.SetKeys(ks...)
		h := b.Help()
		b.SetHelp(strings.Join(ks, "/"), h.Desc)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		names := make([]string, 0, len(actions))
		for n := range actions {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("ui.keys: unknown action(s) %s (known: %s)", strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	if readOnly {
		for _, b := range k.writes() {
			k.refused = append(k.refused, *b)
			b.SetEnabled(false)
		}
	}
	return k, nil
}

func b(help, desc string, ks ...string) key.Binding {
	return key.NewBinding(key.WithKeys(ks...), key.WithHelp(help, desc))
}

func defaults() *KeyMap {
	return &KeyMap{
		Up:              b("↑/k", "up", "up", "k"),
		Down:            b("↓/j", "down", "down", "j"),
		Top:             b("g/home", "top", "g", "home"),
		Bottom:          b("G/end", "bottom", "G", "end"),
		PageUp:          b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:        b("pgdn", "page down", "pgdown", "ctrl+f"),
		Open:            b("enter", "open", "enter"),
		Back:            b("esc", "back", "esc"),
		Filter:          b("/", "filter", "/"),
		Sort:            b("s", "sort column", "s"),
		SortDir:         b("S", "sort direction", "S"),
		Mark:            b("space", "mark", "space"),
		Refresh:         b("r", "refresh", "r"),
		Help:            b("?", "help", "?"),
		Palette:         b(":", "command", ":"),
		Quit:            b("q", "quit", "q"),
		ForceQuit:       b("ctrl+c", "quit", "ctrl+c"),
		NextField:       b("tab", "next", "tab", "right"),
		PrevField:       b("shift+tab", "previous", "shift+tab", "left"),
		Jump:            b("0-9 enter", "go to [#]", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Create:          b("c", "create", "c"),
		Delete:          b("d", "delete", "d"),
		Activate:        b("a", "activate", "a"),
		Deactivate:      b("x", "deactivate", "x"),
		Block:           b("b", "block", "b"),
		AddDomain:       b("+", "add domain", "+"),
		RemoveDomain:    b("-", "remove domain", "-"),
		Perf:            b("p", "load test", "p"),
		Backups:         b("B", "backups", "B"),
		Verify:          b("v", "verify", "v"),
		Kind:            b("t", "kind", "t"),
		Compression:     b("z", "compression", "z"),
		Resolve:         b("o", "resolve domains", "o"),
		Restore:         b("R", "restore", "R"),
		Cleanup:         b("C", "cleanup", "C"),
		Edit:            b("e", "edit", "e"),
		MaintenanceDown: b("m", "maintenance on", "m"),
		MaintenanceUp:   b("M", "maintenance off", "M"),
		FinalBackup:     b("ctrl+t", "final backup first", "ctrl+t"),
		Runs:            b("w", "runs", "w"),
		StateFilter:     b("f", "items by state", "f"),
		StartRun:        b("e", "fleet run", "e"),
		CancelRun:       b("X", "cancel run", "X"),
		Resume:          b("u", "resume", "u"),
		RetryFailed:     b("F", "retry failed", "F"),
		Continue:        b("n", "continue canary", "n"),
	}
}

// Actions maps each action name (as written in `[ui] keys`) to its binding.
func (k *KeyMap) Actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "top": &k.Top, "bottom": &k.Bottom,
		"page_up": &k.PageUp, "page_down": &k.PageDown, "open": &k.Open, "back": &k.Back,
		"filter": &k.Filter, "sort": &k.Sort, "sort_direction": &k.SortDir, "mark": &k.Mark,
		"refresh": &k.Refresh, "help": &k.Help, "palette": &k.Palette, "quit": &k.Quit,
		"force_quit": &k.ForceQuit, "next_field": &k.NextField, "previous_field": &k.PrevField, "jump": &k.Jump,
		"create": &k.Create, "delete": &k.Delete, "activate": &k.Activate,
		"deactivate": &k.Deactivate, "block": &k.Block,
		"add_domain": &k.AddDomain, "remove_domain": &k.RemoveDomain, "perf": &k.Perf,
		"backups": &k.Backups, "verify": &k.Verify, "kind": &k.Kind, "compression": &k.Compression,
		"resolve": &k.Resolve, "restore": &k.Restore, "cleanup": &k.Cleanup,
		"runs": &k.Runs, "state_filter": &k.StateFilter, "start_run": &k.StartRun, "cancel_run": &k.CancelRun,
		"resume": &k.Resume, "retry_failed": &k.RetryFailed, "continue": &k.Continue,
		"edit": &k.Edit, "maintenance_down": &k.MaintenanceDown, "maintenance_up": &k.MaintenanceUp,
		"final_backup": &k.FinalBackup,
	}
}

func (k *KeyMap) writes() []*key.Binding {
	return []*key.Binding{&k.Create, &k.Delete, &k.Activate, &k.Deactivate, &k.Block, &k.AddDomain, &k.RemoveDomain, &k.Perf, &k.Restore, &k.Cleanup, &k.Mark,
		&k.StartRun, &k.CancelRun, &k.Resume, &k.RetryFailed, &k.Continue, &k.Edit, &k.MaintenanceDown, &k.MaintenanceUp}
}

// Refused reports whether msg is a write action's key that read-only
// mode disabled.
func (k *KeyMap) Refused(msg fmt.Stringer) bool { return key.Matches(msg, k.refused...) }

// Package ui is tenancy's dashboard: a Bubble Tea v2 root model over the
// tenant service, with one sub-package per screen.
//
// # Layout
//
//	ui/            root model (screen stack, routing), header, footer, `:` palette, Run
//	ui/common      the contract: Context, Screen, Dialog, Registry, messages
//	ui/keys        the one KeyMap (rebindable from `[ui] keys`)
//	ui/styles      every style, for dark and light terminals
//	ui/tenantlist  home: the tenants table
//	ui/detail      one tenant
//	ui/create      the create form and its live progress
//	ui/confirm     confirmation dialogs (typed name, grace period)
//	ui/tenantops   tenant actions shared by screens (status, typed delete)
//	ui/runs        fleet runs: the list, a run's live view, starting runs
//	ui/backups     a tenant's backups: back up, restore, verify, cleanup
//	ui/cache       the resolver cache and its statistics
//	ui/loadtest    load tests with live latency and isolation checks
//	ui/doctor      fleet health: findings by check, fixes as runs
//	ui/queue       the work queue: queues, workers, schedules, failed tasks
//	ui/audit       the audit log, newest first, filtered
//	ui/uitest      test helpers: contexts, keys, fixtures, golden views
//
// # The screen contract
//
// A screen implements common.Screen, soft-serve's component contract:
//
//	Init() tea.Cmd                              // first load, as a command
//	Update(tea.Msg) (common.Screen, tea.Cmd)   // keys (when on top) and every other message
//	View() string                               // exactly the size given to SetSize
//	SetSize(width, height int)                  // content area between header and footer
//	ShortHelp() []key.Binding                   // footer help (help.KeyMap)
//	FullHelp() [][]key.Binding                  // `?` help, grouped
//	Title() string                              // breadcrumb in the header
//	Capturing() bool                            // true while typing: q ? : go to the screen
//
// Rules the root relies on:
//
//   - Keys go to the top screen only, after the root took its global ones
//     (ctrl+c always; q, ?, : unless the top screen is Capturing or a
//     Dialog). Every other message goes
//     to every screen on the stack, so a screen ignores replies that are
//     not its own: tag requests with Context.NextID and check the tag.
//   - State a screen keeps beyond its own life (a count of running
//     backups, the last health report) is per dashboard, never a package
//     variable: common.Local[T](c) (an SSH server runs many dashboards in
//     one process).
//   - All I/O runs in commands built with Context.Run(func(ctx) tea.Msg):
//     ctx is cancelled when the dashboard exits and Run's goroutines are
//     waited for. Long work is cancellable with esc by cancelling a child
//     context. Progress from a service callback goes into a channel that a
//     re-armed "wait for next" command reads (see ui/create).
//   - Screens talk to the root with messages (helpers in common):
//     Open(name, arg, data) pushes a registered screen (a palette
//     command's screen first pops the screens above home, as in k9s,
//     unless one is common.Busy), Push(screen) pushes
//     one already built (dialogs), Back() pops, Flash/FlashError show a
//     footer message with a TTL, StartTask/EndTask show a footer spinner,
//     SetSlot(slot, text) fills a header slot ("work", "cache"; a
//     SlotMsg with Short also gives the compact form for narrow bars),
//     TenantsChanged() makes lists reload, Quit() ends.
//   - Text from the databases (names, ids, domains, database and table
//     names, data) and error texts are untrusted: escape them with
//     termtext.Line where a field is laid out (before measuring it; a
//     table cell with common.Cell), and a message or an error with
//     common.Message. The header and footer escape titles, slots, flashes
//     and tasks, and ui/confirm every option, themselves; a text field
//     passes its value through common.EscapeInput. Test a screen over
//     uitest.HostileTenants with uitest.RequireSafe.
//   - Styles come from Context.Styles, keys from Context.Keys (add new
//     actions to ui/keys so they are rebindable), never literals.
//   - Writes check Context.ReadOnly (keys.New already disables the write
//     bindings; commands with Write: true are hidden and refused).
//   - A Dialog (a Screen with IsDialog()) is drawn centred over the screen
//     beneath it; ui/confirm builds the standard destructive confirmation.
//     Push it at once (fill in what I/O learns later, as tenantops'
//     delete does with the sizes), and pass the key's command through a
//     common.DialogGuard so keys typed ahead of the push do not act on
//     the screen beneath; a palette command that ends in a dialog sets
//     Command.Dialog and the root holds keys the same way.
//
// # Adding a screen and a palette command
//
// In your package (say ui/backups) export a Register function:
//
//	func Register(r *common.Registry) {
//		r.ScreenCommand("backups", "[REF]", "open the backup catalogue",
//			func(c *common.Context, arg string, data any) (common.Screen, error) {
//				return New(c, arg), nil
//			})
//		r.Command(common.Command{Name: "backup", Args: "REF", Help: "back up one tenant", Write: true,
//			Run: func(c *common.Context, args []string) tea.Cmd { ... }})
//	}
//
// then add one line, `backups.Register,`, to registrars in ui/screens.go.
// `:backups acme` now opens your screen with arg "acme"; other screens open
// it with common.Open("backups", ref, nil). ScreenCommand is Screen plus a
// Command of the same name; use Screen alone for screens that are only
// opened by other screens. Work that starts with the dashboard (a poller
// filling a header slot) registers with r.Startup(func(*common.Context)
// tea.Cmd); the root runs it from Init. The root needs no other change.
//
// Tests follow ui/tenantlist: Update unit tests (key in, state and
// command out, with uitest.Context, uitest.Key and uitest.Msgs) and golden
// views at 80x24 and 120x40 through uitest.Golden (regenerate with
// `go test ./ui/... -update`).
package ui

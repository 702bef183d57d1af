package common

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// Component is soft-serve's component contract: a piece of the UI that
// handles messages, renders itself into the size it was given, and
// describes its keys for the help views.
type Component interface {
	help.KeyMap
	Init() tea.Cmd
	View() string
	SetSize(width, height int)
}

// Screen is a page on the root's stack. Keys go only to the top screen;
// every other message goes to every screen on the stack, so a screen must
// ignore replies that are not its own (tag them with Context.NextID).
type Screen interface {
	Component
	Update(tea.Msg) (Screen, tea.Cmd)
	// Title is shown in the header's breadcrumb.
	Title() string
	// Capturing is true while the screen takes free text (a filter, a
	// form field): the root then passes q, ?, : and esc to the screen.
	Capturing() bool
}

// Busy is implemented by screens that own running work (a backup, a
// load test): a palette command does not pop them off the stack.
type Busy interface {
	Busy() bool
}

// Dialog is a Screen drawn centred over the screen beneath it.
type Dialog interface {
	Screen
	IsDialog()
}

// Factory builds a screen for `:name ARG` or OpenMsg{Name, Arg, Data}.
type Factory func(c *Context, arg string, data any) (Screen, error)

// Command is one `:` palette command.
type Command struct {
	// Name is typed after the colon; Args documents its arguments ("REF").
	Name, Args, Help string
	// Write commands are hidden and refused in read-only mode.
	Write bool
	// Dialog commands end in a confirmation dialog, maybe after I/O (a
	// lookup): keys typed meanwhile are dropped (see DialogGuard).
	Dialog bool
	// Run returns the command's work; args are the words after the name.
	Run func(c *Context, args []string) tea.Cmd
}

// Registry collects screens and palette commands. Each screen package
// offers a `Register(*common.Registry)` and package ui lists them once.
type Registry struct {
	screens  map[string]Factory
	commands map[string]Command
	startups []func(*Context) tea.Cmd
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{screens: map[string]Factory{}, commands: map[string]Command{}}
}

// Screen registers a screen factory under name. A name registered twice
// panics: it is a programming error found by the first test.
func (r *Registry) Screen(name string, f Factory) {
	if _, dup := r.screens[name]; dup {
		panic("ui: screen " + name + " registered twice")
	}
	r.screens[name] = f
}

// Command registers a palette command.
func (r *Registry) Command(c Command) {
	if _, dup := r.commands[c.Name]; dup {
		panic("ui: command :" + c.Name + " registered twice")
	}
	r.commands[c.Name] = c
}

// ScreenCommand registers a screen and a command of the same name that
// opens it with its arguments joined as the screen's arg.
func (r *Registry) ScreenCommand(name, args, helpText string, f Factory) {
	r.Screen(name, f)
	r.Command(Command{Name: name, Args: args, Help: helpText, Run: func(_ *Context, a []string) tea.Cmd {
		return msgCmd(OpenMsg{Name: name, Arg: strings.Join(a, " "), Home: true})
	}})
}

// Build makes the named screen.
func (r *Registry) Build(c *Context, name, arg string, data any) (Screen, error) {
	f, ok := r.screens[name]
	if !ok {
		return nil, fmt.Errorf("no screen named %q", name)
	}
	return f(c, arg, data)
}

// Lookup finds a palette command by name.
func (r *Registry) Lookup(name string) (Command, bool) {
	c, ok := r.commands[name]
	return c, ok
}

// Commands lists the commands, sorted by name; readOnly drops writes.
func (r *Registry) Commands(readOnly bool) []Command {
	out := make([]Command, 0, len(r.commands))
	for _, c := range r.commands {
		if readOnly && c.Write {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Startup registers work that starts with the dashboard (say a poller
// filling a header slot): the root runs fn's command from its Init.
func (r *Registry) Startup(fn func(*Context) tea.Cmd) { r.startups = append(r.startups, fn) }

// Startups returns the startup commands for c.
func (r *Registry) Startups(c *Context) []tea.Cmd {
	out := make([]tea.Cmd, 0, len(r.startups))
	for _, fn := range r.startups {
		out = append(out, fn(c))
	}
	return out
}

package uitest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/ui/common"
)

var fixtureNames = []string{"Acme Corp", "Globex", "Initech", "Umbrella Corp", "Hooli", "Stark Industries",
	"Wayne Enterprises", "Wonka Industries", "Cyberdyne Systems", "Soylent", "Tyrell Corp", "Vandelay Industries"}

// Tenants returns n deterministic tenants: mixed statuses, one or two
// domains, last access spread over the weeks before Now.
func Tenants(n int) []tenants.Tenant {
	out := make([]tenants.Tenant, n)
	for i := range out {
		name := fixtureNames[i%len(fixtureNames)]
		if i >= len(fixtureNames) {
			name = fmt.Sprintf("%s %d", name, i/len(fixtureNames))
		}
		id := fmt.Sprintf("%08x-1111-4222-8333-%012x", i*2654435761%(1<<32), i)
		slug := fmt.Sprintf("t%d", i)
		created := Now.Add(-time.Duration(n-i) * 24 * time.Hour)
		t := tenants.Tenant{
			Index: i, ID: id, Name: name, Status: tenants.Statuses[i%7%3],
			Database: "tenant_" + id, Server: "central",
			Domains:   []string{slug + ".localhost"},
			CreatedAt: &created, UpdatedAt: &created,
			Data: map[string]json.RawMessage{
				"tenancy_db_name": json.RawMessage(`"tenant_` + id + `"`),
				"plan":            json.RawMessage(`{"name":"pro","seats":25}`),
			},
		}
		if i%4 == 1 {
			t.Domains = append(t.Domains, "www."+slug+".localhost")
		}
		if i%3 != 2 {
			seen := Now.Add(-time.Duration(i*i*7+3) * time.Minute)
			t.LastAccessedAt = &seen
		}
		if i%5 == 0 {
			t.DBUser = fmt.Sprintf("tuser%04d", i)
			t.Data["tenancy_db_username"] = json.RawMessage(`"` + t.DBUser + `"`)
			t.Data["tenancy_db_password"] = json.RawMessage(`"s3cr3t-password-` + slug + `"`)
		}
		out[i] = t
	}
	return out
}

// Msgs runs cmd and returns the messages it produces, running batches
// and sequences too. Only for commands that do no I/O.
func Msgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, Msgs(c)...)
		}
		return out
	}
	if cmds, ok := sequence(msg); ok {
		var out []tea.Msg
		for _, c := range cmds {
			out = append(out, Msgs(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// sequence unpacks tea.Sequence's unexported message (a []tea.Cmd).
func sequence(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
}

// Drive is a small event loop for one screen: it runs cmd, feeds the
// screen its own replies (running the commands they return), and returns
// the messages meant for the root (those of package common) in the order
// they came. Spinner ticks are dropped so the loop ends. Use it to test a
// screen's I/O against a real service.
func Drive(s common.Screen, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, msg := range Msgs(next) {
			switch {
			case reflect.TypeOf(msg) == reflect.TypeFor[spinner.TickMsg]():
			case reflect.TypeOf(msg).PkgPath() == reflect.TypeFor[common.BackMsg]().PkgPath():
				out = append(out, msg)
			default:
				var c tea.Cmd
				s, c = s.Update(msg)
				queue = append(queue, c)
			}
		}
	}
	return out
}

// Settle runs cmd as the program would for screen s, feeding the charm
// libraries' own messages back to s (huh moves its focus that way) and
// returning the others (common's Back, Open, Push, Flash, replies).
// Commands that wait, such as a cursor's blink, are dropped.
func Settle(s common.Screen, cmd tea.Cmd) []tea.Msg {
	return settle(s, cmd, 0)
}

func settle(s common.Screen, cmd tea.Cmd, depth int) []tea.Msg {
	if cmd == nil || depth > 8 {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(30 * time.Millisecond):
		return nil
	}
	var out []tea.Msg
	cmds, isSeq := sequence(msg)
	if batch, ok := msg.(tea.BatchMsg); ok {
		cmds, isSeq = batch, true
	}
	switch {
	case msg == nil:
	case isSeq:
		for _, c := range cmds {
			out = append(out, settle(s, c, depth+1)...)
		}
	case strings.HasPrefix(reflect.TypeOf(msg).PkgPath(), "charm.land/"):
		_, next := s.Update(msg)
		out = append(out, settle(s, next, depth+1)...)
	default:
		out = append(out, msg)
	}
	return out
}

package runs

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/fleet"
	"github.com/tenancy-dev/tenancy/lifecycle"
)

// opSummary says what a run does in a few words, from its recorded
// arguments: the command of an exec, the file of a sql run, where a move
// goes. It is raw text (a command line may hold anything): escape it
// where it is shown.
func opSummary(op, args string) string {
	var a struct {
		Argv      []string `json:"argv"`
		File      string   `json:"file"`
		Direction string   `json:"direction"`
		// To is migrate's version or a move's server.
		To      json.RawMessage   `json:"to"`
		Targets map[string]string `json:"targets"`
	}
	_ = json.Unmarshal([]byte(args), &a) // an unreadable record shows the name alone
	var version *int64
	var server string
	if json.Unmarshal(a.To, &version) != nil {
		_ = json.Unmarshal(a.To, &server)
	}
	switch {
	case len(a.Argv) > 0:
		words := make([]string, len(a.Argv))
		for i, w := range a.Argv {
			words[i] = shellWord(w)
		}
		return op + " " + strings.Join(words, " ")
	case a.File != "":
		return op + " " + a.File
	case a.Direction != "" && version != nil:
		return fmt.Sprintf("%s %s to %d", op, a.Direction, *version)
	case a.Direction != "":
		return op + " " + a.Direction
	case op == lifecycle.MoveOpName && (server != "" || len(a.Targets) > 0):
		// a rebalance gives each tenant its own target
		to := slices.AppendSeq([]string{}, maps.Values(a.Targets))
		if server != "" {
			to = append(to, server)
		}
		slices.Sort(to)
		return op + " to " + strings.Join(slices.Compact(to), ", ")
	}
	return op
}

// selectionText is a recorded selection in a few words.
func selectionText(sel string) string {
	var s fleet.Selection
	if err := json.Unmarshal([]byte(sel), &s); err != nil {
		return sel
	}
	// tenants named by id (the dashboard's marks, the demo) read better
	// counted than as a row of UUIDs
	if refs := []rune(strings.Join(s.Refs, ",")); len(refs) > 24 {
		if len(s.Refs) == 1 {
			s.Refs = []string{string(refs[:8]) + "…"}
		} else {
			s.Refs = []string{fmt.Sprintf("%d tenants by id", len(s.Refs))}
		}
	}
	return s.String()
}

// ago is how long before now t was, in one short unit.
func ago(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	d := now.Sub(*t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return t.Local().Format("Jan 02")
}

// short is a duration rounded for a table cell.
func short(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// stateText is a run's state as the list shows it: a run recorded
// running that no process works needs a resume.
func stateText(r runRow, here bool) string {
	switch {
	case r.State == fleet.RunRunning && !r.alive && !here:
		return "running (no runner: resume it)"
	case r.State == fleet.RunPaused && r.CanaryPending:
		return "paused (canary)"
	case r.CancelRequested && (r.State == fleet.RunRunning || r.State == fleet.RunPending):
		return "cancelling"
	}
	return string(r.State)
}

// shellWord quotes a command's argument as a shell would need it, so
// that the command line shown reads as the words it is made of (the
// command itself runs without a shell).
func shellWord(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\n'\"\\$`;&|<>()*?!#~") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQueueAndScheduleKeys(t *testing.T) {
	const head = "[central]\ndsn = \"root@tcp(127.0.0.1:3306)/c\"\n"
	for _, tc := range []struct {
		name, toml, problem string
	}{
		{"standalone", "[queue]\nurl = \"redis://127.0.0.1:6379/2\"\nconcurrency = 8\n[queue.priorities]\nbackup = 1\n", ""},
		{"sentinel", "[queue]\nurl = \"redis-sentinel://10.0.0.1:26379/0?master_name=m&addr=10.0.0.2:26379\"\n", ""},
		{"schedule", "[[schedule]]\nname = \"nightly\"\ncron = \"0 2 * * *\"\ncommand = \"backup create --all\"\n" +
			"[[schedule]]\nname = \"weekly\"\ncron = \"@weekly\"\ncommand = \"doctor\"\n", ""},
		{"bad scheme", "[queue]\nurl = \"http://x\"\n", "queue.url: scheme \"http\" is not supported"},
		{"bad concurrency", "[queue]\nconcurrency = 0\n", "queue.concurrency: must be at least 1"},
		{"bad priority", "[queue.priorities]\nexec = 0\n", "queue.priorities.exec: must be at least 1"},
		{"bad item timeout", "[queue]\nitem_timeout = \"10ms\"\n", "queue.item_timeout: must be at least 1s"},
		{"unknown key", "[queue]\nconcurency = 2\n", "queue.concurency: unknown key"},
		{"bad cron", "[[schedule]]\nname = \"n\"\ncron = \"61 * * * *\"\ncommand = \"doctor\"\n", "schedule[0].cron: \"61 * * * *\" is not a cron expression"},
		{"no command", "[[schedule]]\nname = \"n\"\ncron = \"@daily\"\n", "schedule[0].command: must not be empty"},
		{"twice", "[[schedule]]\nname = \"n\"\ncron = \"@daily\"\ncommand = \"doctor\"\n[[schedule]]\nname = \"n\"\ncron = \"@daily\"\ncommand = \"doctor\"\n", "schedule[1].name: \"n\" is listed twice"},
		{"unclosed quote", "[[schedule]]\nname = \"n\"\ncron = \"@daily\"\ncommand = \"run sql 'a.sql\"\n", "has an unclosed '"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse(head + tc.toml)
			if tc.problem == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.problem)
			_ = cfg
		})
	}
}

func TestQueueDefaultsAndPriorities(t *testing.T) {
	cfg, err := Parse("[central]\ndsn = \"root@tcp(127.0.0.1:3306)/c\"\n[queue.priorities]\nbackup = 9\n")
	require.NoError(t, err)
	require.Equal(t, 9, cfg.Queue.Priorities["backup"])
	require.Equal(t, "tenancy", cfg.Queue.Prefix)
	require.Equal(t, 4, cfg.Queue.Concurrency)
	require.Empty(t, cfg.Queue.URL, "no queue unless asked: runs work in process")
}

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		"backup create --all":                 {"backup", "create", "--all"},
		"tenancy doctor":                      {"doctor"},
		`run sql "my file.sql" --all`:         {"run", "sql", "my file.sql", "--all"},
		"run exec --all -- echo 'a b'  {id} ": {"run", "exec", "--all", "--", "echo", "a b", "{id}"},
	} {
		got, err := SplitCommand(in)
		require.NoError(t, err)
		require.Equal(t, want, got, in)
	}
}

package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/access"
)

const (
	keyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhJHp7yfnUZLbMpGM/bJvT0fhjGHNxkTtfCdGrN1f7F a@test"
	keyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBr/ERnZa1Yqh43WRcWMhdYV3GMmhkL06OFjNbx5NbIk b@test"
)

func TestSSHUsersAndAuthorizedKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "authorized_keys")
	require.NoError(t, os.WriteFile(file, []byte("# team\nrole=\"operator\",name=\"bob\" "+keyB+"\n"), 0o600))
	cfg, err := Parse(`
[central]
dsn = "root@tcp(127.0.0.1:3306)/central"
[ssh]
authorized_keys = "` + file + `"
[[ssh.users]]
name = "alice"
role = "admin"
keys = ["` + keyA + `"]
[access]
role = "viewer"
`)
	require.NoError(t, err)
	keys, err := cfg.SSH.Keys()
	require.NoError(t, err)
	require.Len(t, keys, 2)
	require.Equal(t, "alice", keys[0].User)
	require.Equal(t, access.Admin, keys[0].Role)
	require.Equal(t, "bob", keys[1].User)
	require.Equal(t, access.Operator, keys[1].Role)
	require.Equal(t, "viewer", cfg.Access.Role)
	require.Equal(t, "127.0.0.1:2222", cfg.SSH.Listen)
}

func TestSSHProblemsNamedByKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "authorized_keys")
	require.NoError(t, os.WriteFile(file, []byte(keyB+"\n"), 0o600))
	_, err := Parse(`
[central]
dsn = "root@tcp(127.0.0.1:3306)/central"
[ssh]
listen = "2222"
max_sessions = 0
authorized_keys = "` + file + `"
[[ssh.users]]
name = "alice"
role = "root"
keys = ["not a key", "` + keyA + `"]
[[ssh.users]]
name = "eve"
role = "viewer"
keys = ["` + keyA + `"]
[access]
role = "god"
`)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		"ssh.listen: \"2222\" is not host:port",
		"ssh.max_sessions: must be at least 1",
		"ssh.users[0].role: unknown role \"root\"",
		"ssh.users[0].keys[0]: not a public key",
		"ssh.users[1].keys[0]: key SHA256:",
		"is also alice's",
		"line 1): no role",
		"access.role: unknown role \"god\"",
	} {
		require.Contains(t, msg, want)
	}
}

package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackupStorageAndEncryptionKeys(t *testing.T) {
	const head = "[central]\ndsn = \"root@tcp(127.0.0.1:3306)/c\"\n[backup]\n"
	for _, tc := range []struct {
		name, toml, problem string
	}{
		{"file", `storage = "file:///var/backups/tenancy"`, ""},
		{"s3", `storage = "s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1"`, ""},
		{"recipient", `encrypt_to = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]`, ""},
		{"s3 without bucket", `storage = "s3:///prefix"`, "backup.storage: \"s3:///prefix\" names no bucket"},
		{"file without folder", `storage = "file://"`, "backup.storage: \"file://\" names no folder"},
		{"credentials", `storage = "s3://AKIAKEY:s3cr3t@bucket/prefix"`, "backup.storage: the URL holds credentials (user:password@)"},
		{"bad URL", `storage = "s3://bucket/%zz?x=s3cr3t"`, "backup.storage: is not a URL: invalid URL escape"},
		{"unknown scheme", `storage = "ftp://host/x"`, "backup.storage: \"ftp://host/x\": use file:///path or s3://"},
		{"bad recipient", `encrypt_to = ["age1nope"]`, "backup.encrypt_to: \"age1nope\" is not an age X25519 recipient"},
		{"final backups", "final_on_delete = true\nkeep_deleted = \"2160h\"", ""},
		{"negative keep_deleted", `keep_deleted = "-1h"`, "backup.keep_deleted: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse(head + tc.toml)
			if tc.problem == "" {
				require.NoError(t, err)
				require.NotEqual(t, Default().Backup, cfg.Backup)
				return
			}
			require.ErrorContains(t, err, tc.problem)
			require.NotContains(t, err.Error(), "s3cr3t", "a secret in the URL is never echoed")
		})
	}
}

func TestKeepDeletedDefault(t *testing.T) {
	require.Equal(t, Duration(30*24*time.Hour), Default().Backup.KeepDeleted)
	require.False(t, Default().Backup.FinalOnDelete)
}

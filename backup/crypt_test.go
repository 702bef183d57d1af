package backup

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/config"
)

// identityFile writes a new age identity to a file and returns its path
// and recipient.
func identityFile(t *testing.T) (string, string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "key.txt")
	require.NoError(t, os.WriteFile(path, []byte("# test key\n"+id.String()+"\n"), 0o600))
	return path, id.Recipient().String()
}

// TestEncryptedBackups, in a folder and in a bucket: the stored bytes hold
// none of the plaintext; without the identity verify checks size and
// checksum and a restore is refused naming the recipients; a wrong
// identity changes nothing; the right one restores exactly.
func TestEncryptedBackups(t *testing.T) {
	f := newFixture(t)
	s3 := newFakeS3(t)
	keyPath, recipient := identityFile(t)
	_, other := identityFile(t)
	strangerPath, _ := identityFile(t) // not a recipient
	tn := f.tenant(t, "encrypted", typeGroups[0].stmts...)
	ctx := context.Background()
	for _, storage := range []string{"", s3.storage(s3.srv.Listener.Addr().String())} {
		name := "file"
		if storage != "" {
			name = "s3"
		}
		t.Run(name, func(t *testing.T) {
			// A writer holds only the public recipients.
			writer := f.s3Service(t, storage, func(c *config.Backup) { c.EncryptTo = []string{recipient, other} })
			b, err := writer.Create(ctx, CreateRequest{Tenant: tn, Compression: CompressNone}, nil)
			require.NoError(t, err)
			require.True(t, strings.HasSuffix(b.File, ".sql.age"), b.File)
			require.Equal(t, Recipients{recipient, other}, b.EncryptedTo)
			got, err := writer.Find(ctx, b.File)
			require.NoError(t, err)
			require.Equal(t, Recipients{recipient, other}, got.EncryptedTo, "the catalog keeps the recipients")
			meta, err := readMetadata(ctx, writer.store, tn.ID)
			require.NoError(t, err)
			require.Equal(t, Recipients{recipient, other}, meta[0].EncryptedTo)

			r, err := writer.store.Open(ctx, b.File)
			require.NoError(t, err)
			var raw bytes.Buffer
			_, err = raw.ReadFrom(r)
			require.NoError(t, err)
			r.Close()
			for _, plain := range []string{"INSERT INTO", "CREATE TABLE", "tenancy", "emoji", "row12"} {
				require.NotContains(t, raw.String(), plain)
			}

			v, err := writer.Verify(ctx, b)
			require.NoError(t, err)
			require.Equal(t, CheckedStored, v.Checked)
			require.Equal(t, b.SHA256, v.SHA256)

			before := f.checksums(t, tn.Database)
			_, err = writer.Restore(ctx, RestoreRequest{Backup: b, Target: tn}, nil)
			require.ErrorIs(t, err, ErrNoIdentity)
			require.ErrorContains(t, err, recipient)

			require.ErrorContains(t, writer.UseIdentityFile(keyPath+".missing"), "read the identity file")
			// What the dashboard asks before a restore: the header alone.
			require.ErrorContains(t, writer.CheckIdentityFile(ctx, b, keyPath+".missing"), "read the identity file")
			err = writer.CheckIdentityFile(ctx, b, strangerPath)
			require.ErrorIs(t, err, ErrWrongIdentity)
			require.ErrorContains(t, err, recipient)
			require.NoError(t, writer.CheckIdentityFile(ctx, b, keyPath))
			wrong := f.s3Service(t, storage, func(c *config.Backup) { c.IdentityFile = strangerPath })
			wrong.store = writer.store // a folder store's own folder differs
			_, err = wrong.Restore(ctx, RestoreRequest{Backup: b, Target: tn}, nil)
			require.ErrorIs(t, err, ErrWrongIdentity)
			require.ErrorContains(t, err, recipient)
			_, err = wrong.Verify(ctx, b)
			require.ErrorIs(t, err, ErrWrongIdentity)
			require.Equal(t, before, f.checksums(t, tn.Database))
			f.requireNoScratch(t)

			reader := f.s3Service(t, storage, func(c *config.Backup) { c.IdentityFile = keyPath })
			reader.store = writer.store
			v, err = reader.Verify(ctx, b)
			require.NoError(t, err)
			require.Equal(t, CheckedFull, v.Checked)
			require.True(t, v.Native)
			copyDB := f.env.Prefix + "enc_" + name
			_, err = reader.Restore(ctx, RestoreRequest{Backup: b, Target: tn, NewDatabase: copyDB}, nil)
			require.NoError(t, err)
			f.requireSameData(t, tn.Database, copyDB)
		})
	}
}

package backup

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
)

// Encryption at rest: with [backup] encrypt_to, a backup's compressed
// stream is encrypted with age to those X25519 recipients and its name
// ends in ".age". Writing needs only the public recipients; reading the
// SQL (restore, full verify) needs the identity of one of them. Sizes,
// checksums and the recipients stay readable in the catalog and
// metadata.json; the checksum is of the stored (encrypted) bytes.

// ageExt ends the name of an encrypted backup.
const ageExt = ".age"

// encrypted tells an encrypted backup from its name.
func encrypted(name string) bool { return strings.HasSuffix(name, ageExt) }

// Encrypted reports whether b is encrypted: reading its SQL (restore,
// full verify) needs the identity of one of its recipients.
func (b Backup) Encrypted() bool { return encrypted(b.File) }

// Recipients are the age recipients a backup was encrypted to, stored in
// the catalog as one comma-separated column and in JSON as an array.
type Recipients []string

// Value stores the list in the catalog.
func (r Recipients) Value() (driver.Value, error) { return strings.Join(r, ","), nil }

// Scan reads the catalog's column.
func (r *Recipients) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case []byte:
		s = string(v)
	case string:
		s = v
	default:
		return fmt.Errorf("recipients: cannot read %T", src)
	}
	*r = nil
	if s != "" {
		*r = strings.Split(s, ",")
	}
	return nil
}

// parseRecipients reads [backup] encrypt_to.
func parseRecipients(list []string) ([]age.Recipient, error) {
	out := make([]age.Recipient, 0, len(list))
	for _, s := range list {
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, fmt.Errorf("[backup] encrypt_to: %q is not an age X25519 recipient (age1…): %w", s, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// readIdentities reads an age identity file (age-keygen's output).
func readIdentities(path string) ([]age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the identity file: %w", err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, fmt.Errorf("identity file %s: %w (it should hold AGE-SECRET-KEY-1… lines, as age-keygen writes them)", path, err)
	}
	return ids, nil
}

// CheckIdentityFile tells whether the age identity file at path decrypts
// b, reading only the stored backup's age header: a file that is no
// identity file, or an identity that is none of b's recipients' (an
// error wrapping ErrWrongIdentity, naming them), is refused before
// anything is loaded. A backup that is not encrypted needs none.
func (s *Service) CheckIdentityFile(ctx context.Context, b Backup, path string) error {
	if !b.Encrypted() {
		return nil
	}
	ids, err := readIdentities(path)
	if err != nil {
		return err
	}
	return checkIdentity(ctx, s.storeFor(b), b, ids)
}

// madeFor names the recipients of b for an error message.
func madeFor(b Backup) string {
	if len(b.EncryptedTo) == 0 {
		return "recipients the catalog does not know (the file is not in it)"
	}
	return strings.Join(b.EncryptedTo, ", ")
}

// ErrNoIdentity is wrapped when an encrypted backup must be read and no
// identity was given.
var ErrNoIdentity = errors.New("no identity to decrypt it")

// ErrWrongIdentity is wrapped when the identity given is none of the
// backup's recipients'.
var ErrWrongIdentity = errors.New("the identity given is not one of its recipients'")

// decrypt wraps r, the stored bytes of b, in age's decryption with ids.
func decrypt(r io.Reader, b Backup, location string, ids []age.Identity) (io.Reader, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("backup %s is encrypted to %s: %w; give the identity file of one of them (--identity FILE or [backup] identity_file)",
			location, madeFor(b), ErrNoIdentity)
	}
	d, err := age.Decrypt(r, ids...)
	var miss *age.NoIdentityMatchError
	if errors.As(err, &miss) {
		return nil, fmt.Errorf("backup %s is encrypted to %s: %w; give the identity file of one of them", location, madeFor(b), ErrWrongIdentity)
	}
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", location, err)
	}
	return d, nil
}

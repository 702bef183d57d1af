package config

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/tenancy-dev/tenancy/access"
)

// SSH is `tenancy serve ssh`: the dashboard served to SSH users by key.
type SSH struct {
	// Listen is host:port (127.0.0.1:2222 by default).
	Listen string `toml:"listen"`
	// HostKey is the server's private key file, made (ed25519, 0600) on
	// first start; empty: $XDG_STATE_HOME/tenancy/ssh_host_ed25519_key.
	HostKey string `toml:"host_key"`
	// Users and their keys, each with a role.
	Users []SSHUser `toml:"users"`
	// AuthorizedKeys is an authorized_keys file whose lines carry the role
	// (and optionally the user's name, else the key's comment) as options:
	// role="operator",name="bob" ssh-ed25519 AAAA... bob@laptop
	AuthorizedKeys string `toml:"authorized_keys"`
	// IdleTimeout closes a session after this long without a key press.
	IdleTimeout Duration `toml:"idle_timeout"`
	// MaxSessions bounds the sessions open at once.
	MaxSessions int `toml:"max_sessions"`
}

// SSHUser is one [[ssh.users]] entry.
type SSHUser struct {
	Name string   `toml:"name"`
	Role string   `toml:"role"`
	Keys []string `toml:"keys"`
}

// Access is `[access]`: the role this machine's CLI and local dashboard
// act with (empty: admin). A read-only jump host sets "viewer".
type Access struct {
	Role string `toml:"role"`
}

// Audit is `[audit]`: File, when set, also keeps every audited change as
// one JSON line (the fields of tenancy_audit) appended to that file (0600).
type Audit struct {
	File string `toml:"file"`
}

func defaultSSH() SSH {
	return SSH{Listen: "127.0.0.1:2222", IdleTimeout: Duration(15 * time.Minute), MaxSessions: 20}
}

// HostKeyPath is [ssh] host_key, or its default in the state directory.
func (s SSH) HostKeyPath() (string, error) {
	if s.HostKey != "" {
		return s.HostKey, nil
	}
	if x := os.Getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "tenancy", "ssh_host_ed25519_key"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("ssh.host_key: not set and no home directory: %w (set it)", err)
	}
	return filepath.Join(home, ".local", "state", "tenancy", "ssh_host_ed25519_key"), nil
}

// AuthorizedKey is one key that may log in, with its user and role.
type AuthorizedKey struct {
	User string
	Role access.Role
	Key  gossh.PublicKey
	// Source says where it was configured (for messages).
	Source string
}

// Keys returns every configured key (users first, then the authorized_keys
// file). Config validation has already reported problems; Keys returns
// the first it meets (the file may have changed since).
func (s SSH) Keys() ([]AuthorizedKey, error) {
	var p problems
	keys := s.keys(&p)
	if len(p) > 0 {
		return nil, fmt.Errorf("%s: %s", p[0].Key, p[0].Message)
	}
	return keys, nil
}

func (s SSH) keys(p *problems) []AuthorizedKey {
	var out []AuthorizedKey
	for i, u := range s.Users {
		key := fmt.Sprintf("ssh.users[%d]", i)
		role, err := access.ParseRole(u.Role)
		if err != nil {
			p.add(key+".role", "%v", err)
		}
		if strings.TrimSpace(u.Name) == "" {
			p.add(key+".name", "must not be empty")
		}
		if len(u.Keys) == 0 {
			p.add(key+".keys", "lists no key: add the user's public key (the line of ~/.ssh/id_ed25519.pub)")
		}
		for j, k := range u.Keys {
			pk, _, _, _, err := gossh.ParseAuthorizedKey([]byte(k))
			if err != nil {
				p.add(fmt.Sprintf("%s.keys[%d]", key, j), "not a public key (%v): paste the whole line of the user's .pub file", err)
				continue
			}
			out = append(out, AuthorizedKey{User: u.Name, Role: role, Key: pk, Source: fmt.Sprintf("%s.keys[%d]", key, j)})
		}
	}
	if s.AuthorizedKeys != "" {
		out = append(out, readAuthorizedKeys(s.AuthorizedKeys, p)...)
	}
	return out
}

// readAuthorizedKeys reads path; each key needs role="..." among its options.
func readAuthorizedKeys(path string, p *problems) []AuthorizedKey {
	data, err := os.ReadFile(path)
	if err != nil {
		p.add("ssh.authorized_keys", "%v", err)
		return nil
	}
	var out []AuthorizedKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("ssh.authorized_keys (%s line %d)", path, n)
		pk, comment, opts, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			p.add(where, "not a public key: %v", err)
			continue
		}
		var role, name string
		for _, o := range opts {
			k, v, _ := strings.Cut(o, "=")
			if uq, err := strconv.Unquote(v); err == nil {
				v = uq
			}
			switch strings.ToLower(k) {
			case "role":
				role = v
			case "name":
				name = v
			}
		}
		r, err := access.ParseRole(role)
		if role == "" {
			err = fmt.Errorf(`no role: start the line with role="viewer", role="operator" or role="admin"`)
		}
		if err != nil {
			p.add(where, "%v", err)
			continue
		}
		if name == "" {
			name = comment
		}
		if name == "" {
			p.add(where, `no user name: add name="..." to the options or a comment after the key`)
			continue
		}
		out = append(out, AuthorizedKey{User: name, Role: r, Key: pk, Source: where})
	}
	return out
}

func (s SSH) validate(p *problems) {
	if _, port, err := net.SplitHostPort(s.Listen); err != nil || port == "" {
		p.add("ssh.listen", "%q is not host:port (like 127.0.0.1:2222)", s.Listen)
	}
	if s.IdleTimeout < 0 {
		p.add("ssh.idle_timeout", "must not be negative (0 keeps idle sessions open)")
	}
	if s.MaxSessions < 1 {
		p.add("ssh.max_sessions", "must be at least 1, got %d", s.MaxSessions)
	}
	seen := map[string]string{}
	for _, k := range s.keys(p) {
		fp := gossh.FingerprintSHA256(k.Key)
		if prev, dup := seen[fp]; dup {
			p.add(k.Source, "key %s is also %s's: one key is one user", fp, prev)
			continue
		}
		seen[fp] = k.User
	}
}

func (a Access) validate(p *problems) {
	if a.Role == "" {
		return
	}
	if _, err := access.ParseRole(a.Role); err != nil {
		p.add("access.role", "%v", err)
	}
}

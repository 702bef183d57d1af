package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"

	"github.com/tenancy-dev/tenancy/config"
)

// serveDemo serves the demo sandbox's dashboard over SSH: the user's own
// keys (~/.ssh/*.pub) log in as admin, and two keys made in the sandbox
// let anyone try the admin and viewer roles.
func serveDemo(cmd *cobra.Command, app *App, dir, configPath, listen string) error {
	app.ConfigPath = configPath
	if listen == "" {
		listen = "127.0.0.1:2222"
	}
	return serveSSH(cmd.Context(), app, listen, func(cfg *config.Config) error {
		cfg.SSH.HostKey = filepath.Join(dir, "ssh_host_ed25519_key")
		for _, role := range []string{"admin", "viewer"} {
			pub, err := demoKey(filepath.Join(dir, "demo_"+role))
			if err != nil {
				return err
			}
			cfg.SSH.Users = append(cfg.SSH.Users, config.SSHUser{Name: "demo-" + role, Role: role, Keys: []string{pub}})
		}
		var own []string
		if home, err := os.UserHomeDir(); err == nil {
			files, _ := filepath.Glob(filepath.Join(home, ".ssh", "id_*.pub"))
			for _, f := range files {
				if b, err := os.ReadFile(f); err == nil {
					if _, _, _, _, err := gossh.ParseAuthorizedKey(b); err == nil {
						own = append(own, strings.TrimSpace(string(b)))
					}
				}
			}
		}
		if len(own) > 0 {
			cfg.SSH.Users = append(cfg.SSH.Users, config.SSHUser{Name: osUser(), Role: "admin", Keys: own})
		}
		_, port, _ := strings.Cut(listen, ":")
		printf(app.Stderr, "demo: your own keys (~/.ssh/id_*.pub) log in as admin: ssh -p %s localhost\n", port)
		printf(app.Stderr, "demo: or try a role: ssh -i %s -p %s localhost (also demo_admin)\n", filepath.Join(dir, "demo_viewer"), port)
		return nil
	})
}

// demoKey reads or makes (0600) an ed25519 key pair at path and returns
// its public key line.
func demoKey(path string) (string, error) {
	if b, err := os.ReadFile(path + ".pub"); err == nil {
		if _, err := os.Stat(path); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	block, err := gossh.MarshalPrivateKey(priv, filepath.Base(path))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return "", err
	}
	sshPub, err := gossh.NewPublicKey(pub)
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sshPub))) + " " + filepath.Base(path)
	return line, os.WriteFile(path+".pub", []byte(line+"\n"), 0o644)
}

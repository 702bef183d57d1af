package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// searchDirs are the usual install folders looked in after $PATH.
var searchDirs = []string{
	"/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/local/mysql/bin",
	"/usr/local/mariadb/bin", "/opt/mariadb/bin", "/opt/mysql/bin",
	"/opt/homebrew/bin", "/opt/homebrew/opt/mariadb/bin", "/usr/local/opt/mariadb/bin",
}

// Kind is the server family found.
type Kind string

// Server families.
const (
	MariaDB Kind = "mariadb"
	MySQL   Kind = "mysql"
)

// Binaries are the server programs the sandbox runs.
type Binaries struct {
	Kind Kind
	// Server is mariadbd or mysqld.
	Server string
	// InstallDB is mariadb-install-db (or mysql_install_db); empty for
	// MySQL, which initialises with `mysqld --initialize-insecure`.
	InstallDB string
	// Redis is redis-server, empty when none is installed.
	Redis string
}

// ErrNoServer is returned when no MariaDB/MySQL server binary is installed.
var ErrNoServer = errors.New("no MariaDB or MySQL server binary found (looked for mariadbd and mysqld on $PATH, then in /usr/sbin, /usr/local/mysql/bin and the usual install folders): " +
	"install one (Debian/Ubuntu: `sudo apt-get install mariadb-server`; Fedora: `sudo dnf install mariadb-server`; macOS: `brew install mariadb`), " +
	"or point tenancy at an existing server with `tenancy init` and a config whose central.dsn names it")

// lookPath finds a program on $PATH, then in the usual folders.
func lookPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	for _, d := range searchDirs {
		for _, n := range names {
			p := filepath.Join(d, n)
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				return p
			}
		}
	}
	return ""
}

// FindBinaries locates the database server (MariaDB preferred) and redis-server.
func FindBinaries() (Binaries, error) {
	b := Binaries{Redis: lookPath("redis-server")}
	if srv := lookPath("mariadbd"); srv != "" {
		b.Kind, b.Server = MariaDB, srv
		b.InstallDB = lookPath("mariadb-install-db", "mysql_install_db")
		if b.InstallDB == "" {
			return b, fmt.Errorf("found %s but not mariadb-install-db, which creates its data directory: reinstall the mariadb-server package", srv)
		}
		return b, nil
	}
	if srv := lookPath("mysqld"); srv != "" {
		b.Kind, b.Server = MySQL, srv
		// mysqld from MariaDB (older packages) still needs mysql_install_db.
		if out, err := exec.Command(srv, "--version").Output(); err == nil && containsFold(string(out), "mariadb") {
			b.Kind = MariaDB
			b.InstallDB = lookPath("mariadb-install-db", "mysql_install_db")
			if b.InstallDB == "" {
				return b, fmt.Errorf("found %s but not mysql_install_db, which creates its data directory: reinstall the mariadb-server package", srv)
			}
		}
		return b, nil
	}
	return b, ErrNoServer
}

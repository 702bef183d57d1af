package doctor

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/tenancy-dev/tenancy/fleet"
)

// checkServers reports each configured server: reachable, its version,
// max_connections against the parallelism runs use, and what the
// configured account may do.
func (s *Service) checkServers(_ context.Context, snap *snapshot, _ Options) ([]Finding, error) {
	var out []Finding
	cfg := s.ts.Config()
	need := max(cfg.Backup.Workers+1, 1)*max(cfg.Backup.ParallelTenants, 1) + fleet.DefaultParallel + 10
	for _, name := range sortedServers(snap) {
		st := snap.servers[name]
		if st.Err != nil {
			out = append(out, Finding{Check: "server-unreachable", Severity: Error, Server: name, Object: name,
				Evidence: st.Err.Error(), Fix: "none automatic: start the server or fix its dsn in [[servers]]"})
			continue
		}
		out = append(out, Finding{Check: "server-version", Severity: Info, Server: name, Object: name,
			Evidence: fmt.Sprintf("%s, max_connections %d, %d databases", st.Version, st.MaxConnections, len(st.Databases))})
		if st.MaxConnections < need {
			out = append(out, Finding{Check: "server-connections", Severity: Warn, Server: name, Object: "max_connections",
				Evidence: fmt.Sprintf("max_connections is %d; backups ([backup] workers %d × parallel_tenants %d) and a run at --parallel %d with the application's own connections need about %d",
					st.MaxConnections, cfg.Backup.Workers, cfg.Backup.ParallelTenants, fleet.DefaultParallel, need)})
		}
		if missing := missingPrivileges(st.OwnGrants); len(missing) > 0 {
			out = append(out, Finding{Check: "server-privileges", Severity: Warn, Server: name, Object: "configured account",
				Evidence: "the configured account cannot: " + strings.Join(missing, "; ")})
		}
	}
	return out, nil
}

// missingPrivileges reads SHOW GRANTS for what tenancy needs.
func missingPrivileges(grants []string) []string {
	if len(grants) == 0 {
		return []string{"(SHOW GRANTS returned nothing: the account's privileges are unknown)"}
	}
	all := strings.ToUpper(strings.Join(grants, "\n"))
	global := ""
	for _, g := range grants {
		if strings.Contains(g, " ON *.* ") {
			global += strings.ToUpper(g)
		}
	}
	if strings.Contains(global, "ALL PRIVILEGES") {
		return nil
	}
	var out []string
	for _, p := range []struct{ priv, why string }{
		{"CREATE USER", "CREATE USER (per-tenant users, doctor's user fixes)"},
		{"RELOAD", "RELOAD (FLUSH TABLES WITH READ LOCK for consistent parallel dumps)"},
		{"CREATE", "CREATE (tenant databases)"},
		{"DROP", "DROP (deleting tenants, dropping orphans)"},
		{"GRANT OPTION", "GRANT OPTION (granting tenant users their privileges)"},
	} {
		if !strings.Contains(global, p.priv) {
			out = append(out, p.why)
		}
	}
	if !strings.Contains(all, "MYSQL") && !strings.Contains(global, "SELECT") {
		out = append(out, "SELECT on mysql.* (the user and grant checks)")
	}
	return out
}

// openCheck opens one connection and pings it; the caller closes it.
func openCheck(ctx context.Context, mc *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

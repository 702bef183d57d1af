package doctor

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/tenancy-dev/tenancy/tenants"
)

// generatedUser is the shape of the users tenancy creates ("t" + 15).
var generatedUser = regexp.MustCompile(`^t[a-z0-9]{15}$`)

// checkUsers compares each tenant's recorded database user with the
// server's accounts and grants (mysql.user, mysql.db: read once per
// server), and looks for tenant-like users no row records.
func (s *Service) checkUsers(ctx context.Context, snap *snapshot, opts Options) ([]Finding, error) {
	host := s.ts.Config().Tenancy.UserHost
	var out []Finding
	var errs []string
	recorded := map[string]bool{}
	for i := range snap.all {
		if u := snap.all[i].DBUser; u != "" {
			recorded[u] = true
		}
	}
	for i := range snap.all {
		t := &snap.all[i]
		st := snap.serverOf(t)
		if st == nil || t.DBUser == "" {
			continue
		}
		if st.Users == nil {
			continue // reported once per server below
		}
		out = append(out, s.userFindings(ctx, snap, st, t, host, opts)...)
	}
	for _, name := range sortedServers(snap) {
		st := snap.servers[name]
		if st.Err != nil {
			continue
		}
		if st.Users == nil {
			errs = append(errs, st.UsersErr.Error())
			continue
		}
		own := ownUser(s, name)
		users := make([]string, 0, len(st.Users))
		for u := range st.Users {
			users = append(users, u)
		}
		sort.Strings(users)
		for _, u := range users {
			if recorded[u] || u == own || u == "" {
				continue
			}
			why := ""
			for _, g := range st.Grants[u] {
				if db := grantOnFleet(snap, g.Pattern); db != "" {
					why = fmt.Sprintf("it has privileges on %s, a tenant database", db)
					break
				}
			}
			if why == "" {
				if generatedUser.MatchString(u) {
					for _, a := range st.Users[u] {
						out = append(out, Finding{Check: "user-unmatched", Severity: Info, Server: name, Object: a.User + "@" + a.Host,
							Evidence: "user " + a.User + "@" + a.Host + " has the shape of the users tenancy creates but no row records it and it has no grant on this fleet's databases (another fleet's?): unmatched, ignored"})
					}
				}
				continue
			}
			for _, a := range st.Users[u] {
				out = append(out, Finding{Check: "user-orphan", Severity: Warn, Server: name, Object: a.User + "@" + a.Host,
					Evidence: "no tenant row records user " + a.User + "@" + a.Host + " but " + why,
					Fix:      "drop the user", FixKind: FixDestructive,
					action: action{kind: actDropUser, server: name, user: a.User, host: a.Host}})
			}
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// grantOnFleet returns the tenant database (referenced, or following the
// naming exactly) a grant names, or "". The pattern is read literally
// ('_' and '%' as themselves): a grant on `%` or `app_%` reaches tenant
// databases but does not make its user a tenant's.
func grantOnFleet(snap *snapshot, pattern string) string {
	db := unescapePattern(pattern)
	if _, exact, _ := snap.naming.idOf(db); exact || snap.referenced[db] {
		return db
	}
	return ""
}

func ownUser(s *Service, server string) string {
	mc, err := s.ts.Servers().MySQLConfig(server, "")
	if err != nil {
		return ""
	}
	return mc.User
}

// nativeHash is mysql_native_password's stored form of a password.
func nativeHash(password string) string {
	a := sha1.Sum([]byte(password))
	b := sha1.Sum(a[:])
	return "*" + strings.ToUpper(hex.EncodeToString(b[:]))
}

func (s *Service) userFindings(ctx context.Context, snap *snapshot, st *serverState, t *tenants.Tenant, host string, opts Options) []Finding {
	user := t.DBUser
	recreate := func(f Finding) Finding {
		if t.DBPassword() == "" {
			f.Fix = "none automatic: the row records no password (tenancy_db_password) to recreate the user with"
			return f
		}
		f.Fix, f.FixKind = "recreate the user and its grants (stancl's list on its own database only) with the recorded password (a fleet run)", FixSafe
		f.action = action{kind: actRecreateUser}
		return f
	}
	var acct *account
	for i, a := range st.Users[user] {
		if a.Host == host {
			acct = &st.Users[user][i]
		}
	}
	if acct == nil {
		return []Finding{recreate(tenantFinding("user-missing", Error, t, user+"@"+host,
			fmt.Sprintf("the row records database user %s but server %s has no account %s@%s", user, t.Server, user, host)))}
	}
	var out []Finding
	switch {
	case t.DBPassword() == "":
	case acct.Plugin == "mysql_native_password" || acct.Plugin == "":
		if acct.Auth != nativeHash(t.DBPassword()) {
			out = append(out, recreate(tenantFinding("user-password", Error, t, user+"@"+host,
				"the password the row records does not match the account's (mysql_native_password hash differs): the tenant cannot log in")))
		}
	case opts.Deep:
		if err := s.tryLogin(ctx, t); err != nil {
			out = append(out, recreate(tenantFinding("user-password", Error, t, user+"@"+host,
				fmt.Sprintf("logging in as %s with the recorded password failed: %v", user, err))))
		}
	}
	var problems []string
	own := false
	want := tenants.EscapeGrantPattern(t.Database)
	for _, g := range st.Grants[user] {
		if g.Host != host {
			continue
		}
		if g.Pattern == want {
			own = true
			if extra := widerThanStancl(g.Privs); len(extra) > 0 {
				problems = append(problems, fmt.Sprintf("grants on %s wider than stancl's list: %s", t.Database, strings.Join(extra, ", ")))
			}
			continue
		}
		if likeMatch(g.Pattern, t.Database) && hasWildcard(g.Pattern) {
			own = true
			others := otherMatches(st, g.Pattern, t.Database)
			problems = append(problems, fmt.Sprintf("grant on pattern %s (an unescaped '_' or '%%') reaches databases other than %s%s", g.Pattern, t.Database, others))
			continue
		}
		problems = append(problems, fmt.Sprintf("grant on %s, which is not the tenant's database %s", g.Pattern, t.Database))
	}
	if !own {
		problems = append(problems, "no grant on its own database "+t.Database)
	}
	if g := slices.DeleteFunc(slices.Clone(acct.Global), func(p string) bool { return p == "USAGE" }); len(g) > 0 {
		problems = append(problems, "global privileges on every database: "+strings.Join(g, ", "))
	}
	if len(problems) > 0 {
		out = append(out, recreate(tenantFinding("user-grants", Error, t, user+"@"+host, strings.Join(problems, "; "))))
	}
	return out
}

// widerThanStancl lists privileges outside tenants.TenantGrants.
func widerThanStancl(privs []string) []string {
	var out []string
	for _, p := range privs {
		if !slices.Contains(tenants.TenantGrants, p) {
			out = append(out, p)
		}
	}
	return out
}

// otherMatches names up to three existing databases a pattern reaches
// besides own, as evidence.
func otherMatches(st *serverState, pattern, own string) string {
	var hits []string
	re := likeRegexp(pattern)
	for db := range st.Databases {
		if db != own && re.MatchString(db) {
			hits = append(hits, db)
		}
	}
	if len(hits) == 0 {
		return " (none exists now, but any database named like it would)"
	}
	sort.Strings(hits)
	more := ""
	if len(hits) > 3 {
		more = fmt.Sprintf(" and %d more", len(hits)-3)
		hits = hits[:3]
	}
	return ": " + strings.Join(hits, ", ") + more
}

// tryLogin opens one connection as the tenant's user (only with --deep,
// for accounts whose password hash cannot be compared offline).
func (s *Service) tryLogin(ctx context.Context, t *tenants.Tenant) error {
	mc, err := s.ts.Servers().MySQLConfig(t.Server, t.Database)
	if err != nil {
		return err
	}
	mc.User, mc.Passwd = t.DBUser, t.DBPassword()
	db, err := openCheck(ctx, mc)
	if err != nil {
		return err
	}
	return db.Close()
}

package doctor

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// checkDatabases compares each server's databases with the registry:
// rows whose database is missing, and databases no row references that
// follow the fleet's naming exactly (orphans) or only look like it
// (unmatched, ignored).
func (s *Service) checkDatabases(_ context.Context, snap *snapshot, _ Options) ([]Finding, error) {
	var out []Finding
	for i := range snap.all {
		t := &snap.all[i]
		st := snap.serverOf(t)
		if st == nil {
			continue // registry-server or server-unreachable says why
		}
		if _, ok := st.Databases[t.Database]; ok {
			continue
		}
		f := tenantFinding("database-missing", Error, t, t.Database,
			fmt.Sprintf("database %s is not on server %s", t.Database, t.Server))
		f.Fix, f.FixKind = "create the database and run the tenant migrations (a fleet run); with --restore-missing, then restore the newest complete backup", FixSafe
		f.action = action{kind: actCreateDatabase}
		out = append(out, f)
	}
	scratch := map[string]bool{}
	for _, r := range snap.restores {
		scratch[r.Server+"\x00"+r.Database] = true
	}
	for _, name := range sortedServers(snap) {
		st := snap.servers[name]
		if st.Err != nil {
			continue
		}
		dbs := make([]string, 0, len(st.Databases))
		for db := range st.Databases {
			dbs = append(dbs, db)
		}
		sort.Strings(dbs)
		for _, db := range dbs {
			if snap.referenced[db] || db == snap.central || scratch[name+"\x00"+db] {
				continue
			}
			id, exact, matched := snap.naming.idOf(db)
			switch {
			case exact:
				d := st.Databases[db]
				out = append(out, Finding{Check: "database-orphan", Severity: Warn, Server: name, Object: db,
					Evidence: fmt.Sprintf("database %s follows the fleet's naming (id %s) but no tenant row references it (%d tables)", db, id, d.Tables),
					Fix:      "back it up (kind orphan, outside retention, tenant id orphan_<database>), then drop it", FixKind: FixDestructive,
					action: action{kind: actDropDatabase, server: name, database: db}})
			case matched:
				out = append(out, Finding{Check: "database-unmatched", Severity: Info, Server: name, Object: db,
					Evidence: fmt.Sprintf("database %s has the tenant prefix/suffix but %q is not an id of the form the fleet uses (%s): unmatched, ignored", db, id, formsText(snap.naming))})
			}
		}
	}
	return out, nil
}

func formsText(n naming) string {
	var f []string
	for k := range n.forms {
		f = append(f, k)
	}
	sort.Strings(f)
	if len(f) == 0 {
		return "no id of the registry follows the naming"
	}
	return strings.Join(f, ", ")
}

func sortedServers(snap *snapshot) []string {
	names := make([]string, 0, len(snap.servers))
	for n := range snap.servers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkSchema looks inside each tenant's database as the batched scan saw
// it: no tables at all (a half-made tenant), no migration table, and
// migration versions behind or ahead of the tenant migrations.
func (s *Service) checkSchema(_ context.Context, snap *snapshot, _ Options) ([]Finding, error) {
	var out []Finding
	for i := range snap.all {
		t := &snap.all[i]
		st := snap.serverOf(t)
		if st == nil {
			continue
		}
		d, ok := st.Databases[t.Database]
		if !ok {
			continue // database-missing
		}
		switch {
		case d.Tables == 0:
			f := tenantFinding("schema-half-made", Error, t, t.Database, fmt.Sprintf("database %s has no tables: a half-made tenant", t.Database))
			f.Fix, f.FixKind, f.action = "run the tenant migrations (a fleet run)", FixSafe, action{kind: actMigrate}
			out = append(out, f)
		case !d.HasGoose && !d.HasLaravel:
			out = append(out, tenantFinding("schema-no-migrations", Warn, t, t.Database,
				fmt.Sprintf("database %s has %d tables but no migration table (goose_db_version or Laravel's migrations): its schema version is unknown", t.Database, d.Tables)))
		case d.HasGoose && snap.known >= 0 && d.Version >= 0 && d.Version < snap.known:
			f := tenantFinding("schema-drift", Warn, t, t.Database, fmt.Sprintf("migrated to version %d; the tenant migrations reach %d (behind)", d.Version, snap.known))
			f.Fix, f.FixKind, f.action = "run the tenant migrations (a fleet run)", FixSafe, action{kind: actMigrate}
			out = append(out, f)
		case d.HasGoose && snap.known >= 0 && d.Version > snap.known:
			out = append(out, tenantFinding("schema-drift", Warn, t, t.Database,
				fmt.Sprintf("migrated to version %d; the tenant migrations known here reach only %d (ahead: migrated by a newer release?)", d.Version, snap.known)))
		}
	}
	return out, nil
}

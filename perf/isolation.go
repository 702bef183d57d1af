package perf

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/tenancy-dev/tenancy/tenants"
)

// Isolation is the verdict of the isolation check.
type Isolation struct {
	Passed bool       `json:"passed"`
	Rows   []RowCheck `json:"rows"`
	// Pairs are the cross-tenant credential checks tried; PairsPossible
	// is how many there were to try (every pair up to 10 tenants is tried,
	// a sample beyond).
	Pairs         []PairCheck `json:"pairs"`
	PairsPossible int         `json:"pairs_possible"`
	Note          string      `json:"note,omitempty"`
}

// RowCheck is one tenant's table: only its own rows, as many as its users committed.
type RowCheck struct {
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
	// Expected is seed + inserted - deleted; Found the tenant's own rows
	// of this run; Foreign every other row. Uncertain writes (no reply
	// from the server) widen the accepted range.
	Expected int64    `json:"expected"`
	Found    int64    `json:"found"`
	Foreign  int64    `json:"foreign"`
	Slack    int64    `json:"uncertain_writes,omitempty"`
	Passed   bool     `json:"passed"`
	Evidence []string `json:"evidence,omitempty"`
}

// PairCheck is one try, as tenant From's database user, to read tenant To's data.
type PairCheck struct {
	From   string `json:"from"`
	User   string `json:"user"`
	To     string `json:"to"`
	Passed bool   `json:"passed"`
	// Refusals are the server's answers to the queries tried; Evidence the
	// queries that succeeded and what they returned.
	Refusals []string `json:"refusals,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
}

// maxAllPairs is the tenant count up to which every ordered pair is tried.
const maxAllPairs = 10

func verifyIsolation(ctx context.Context, servers *tenants.Servers, ru *run, list []tenants.Tenant) Isolation {
	iso := Isolation{Passed: true}
	for _, t := range ru.targets {
		rc := checkRows(ctx, ru, t)
		iso.Passed = iso.Passed && rc.Passed
		iso.Rows = append(iso.Rows, rc)
	}
	pairs, possible := pairsToTry(list)
	iso.PairsPossible = possible
	switch {
	case possible > 0:
	case len(list) < 2:
		iso.Note = "one tenant only, so there was no other tenant to try its credentials against"
	default:
		iso.Note = "no tenant has its own database user, so cross-tenant credentials were not tried"
	}
	for _, p := range pairs {
		pc := checkPair(ctx, servers, list[p[0]], list[p[1]])
		iso.Passed = iso.Passed && pc.Passed
		iso.Pairs = append(iso.Pairs, pc)
	}
	return iso
}

func checkRows(ctx context.Context, ru *run, t *target) RowCheck {
	rc := RowCheck{Tenant: t.marker, Name: t.name}
	var c committed
	for _, u := range t.users {
		c.add(u.stats.snapshotCommitted())
	}
	rc.Expected = t.seeded + c.Inserted - c.Deleted
	rc.Slack = c.UncertainInserts + c.UncertainDeletes
	err := t.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE tenant_marker = ? AND run_id = ?", t.marker, t.runID).Scan(&rc.Found)
	if err == nil {
		err = t.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE NOT (tenant_marker = ? AND run_id = ?)", t.marker, t.runID).Scan(&rc.Foreign)
	}
	if err != nil {
		rc.Evidence = []string{fmt.Sprintf("could not count the rows of %s: %v", Table, err)}
		return rc
	}
	low, high := rc.Expected-c.UncertainDeletes, rc.Expected+c.UncertainInserts
	if rc.Found < low || rc.Found > high {
		rc.Evidence = append(rc.Evidence, fmt.Sprintf("%d rows of its own, but its users committed %d (seed %d + inserted %d - deleted %d): %s",
			rc.Found, rc.Expected, t.seeded, c.Inserted, c.Deleted, map[bool]string{true: "rows were lost", false: "unexplained rows appeared"}[rc.Found < low]))
	}
	if rc.Foreign > 0 {
		rc.Evidence = append(rc.Evidence, foreignRows(ctx, t)...)
	}
	rc.Passed = len(rc.Evidence) == 0
	return rc
}

// foreignRows describes up to five rows that do not belong to the tenant's run.
func foreignRows(ctx context.Context, t *target) []string {
	rows, err := t.db.QueryContext(ctx, "SELECT id, tenant_marker, run_id, user_no FROM "+table+" WHERE NOT (tenant_marker = ? AND run_id = ?) ORDER BY id LIMIT 5", t.marker, t.runID)
	if err != nil {
		return []string{fmt.Sprintf("foreign rows found; listing them failed: %v", err)}
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var marker, runID string
		var userNo int
		if err := rows.Scan(&id, &marker, &runID, &userNo); err != nil {
			return append(out, fmt.Sprintf("reading a foreign row: %v", err))
		}
		out = append(out, fmt.Sprintf("foreign row id=%d tenant_marker=%q run_id=%s user_no=%d", id, marker, runID, userNo))
	}
	if err := rows.Err(); err != nil {
		out = append(out, fmt.Sprintf("reading foreign rows: %v", err))
	}
	return out
}

// pairsToTry returns ordered (from, to) index pairs where from has its own
// database user: all of them up to maxAllPairs tenants, beyond that each
// such tenant against its neighbour and one other picked at random.
func pairsToTry(list []tenants.Tenant) ([][2]int, int) {
	var from []int
	for i, t := range list {
		if t.DBUser != "" {
			from = append(from, i)
		}
	}
	n := len(list)
	possible := len(from) * (n - 1)
	var pairs [][2]int
	if n <= maxAllPairs {
		for _, a := range from {
			for b := range n {
				if a != b {
					pairs = append(pairs, [2]int{a, b})
				}
			}
		}
		return pairs, possible
	}
	for _, a := range from {
		next := (a + 1) % n
		other := (a + 2 + rand.IntN(n-2)) % n
		pairs = append(pairs, [2]int{a, next}, [2]int{a, other})
	}
	return pairs, possible
}

// checkPair logs in as a's database user on b's server and tries to read
// b's database and work table; every try must be refused.
func checkPair(ctx context.Context, servers *tenants.Servers, a, b tenants.Tenant) PairCheck {
	pc := PairCheck{From: a.Name, User: a.DBUser, To: b.Name}
	mc, err := servers.MySQLConfig(b.Server, "")
	if err != nil {
		pc.Evidence = []string{err.Error()}
		return pc
	}
	mc.User, mc.Passwd = a.DBUser, a.DBPassword()
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		pc.Evidence = []string{err.Error()}
		return pc
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	db.SetMaxOpenConns(1)
	dbName := tenants.QuoteIdent(b.Database)
	tries := []struct {
		query string
		read  func(*sql.Rows) (string, error)
	}{
		{"SELECT COUNT(*) FROM " + dbName + "." + table, readCount},
		{"SHOW TABLES FROM " + dbName, readNames},
		{"SELECT id, tenant_marker FROM " + dbName + "." + table + " LIMIT 3", readNames},
	}
	for _, try := range tries {
		refusal, evidence := tryRead(ctx, db, try.query, try.read)
		if evidence != "" {
			pc.Evidence = append(pc.Evidence, evidence)
		} else {
			pc.Refusals = append(pc.Refusals, refusal)
		}
	}
	pc.Passed = len(pc.Evidence) == 0
	return pc
}

// The server's access-denied errors, the only answers that count as a
// refusal.
const (
	errDBAccessDenied         = 1044 // ER_DBACCESS_DENIED_ERROR: the database
	errAccessDenied           = 1045 // ER_ACCESS_DENIED_ERROR: the login
	errTableAccessDenied      = 1142 // ER_TABLEACCESS_DENIED_ERROR: the table
	errAccessDeniedNoPassword = 1698 // ER_ACCESS_DENIED_NO_PASSWORD_ERROR: the login
)

// accessDenied reports whether the server refused err's query for lack of
// privileges. Any other error (a syntax error, an unknown database or
// table, a lost connection) says nothing about isolation.
func accessDenied(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case errDBAccessDenied, errAccessDenied, errTableAccessDenied, errAccessDeniedNoPassword:
		return true
	}
	return false
}

// tryRead runs query; a refusal comes back as its message, anything else as evidence.
func tryRead(ctx context.Context, db *sql.DB, query string, read func(*sql.Rows) (string, error)) (refusal, evidence string) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		if accessDenied(err) {
			return err.Error(), ""
		}
		return "", fmt.Sprintf("%s: neither refused nor answered (%v), so isolation is unproven", query, err)
	}
	defer rows.Close()
	got, err := read(rows)
	if err != nil {
		return "", fmt.Sprintf("%s succeeded; reading its result failed: %v", query, err)
	}
	return "", fmt.Sprintf("%s succeeded and returned %s", query, got)
}

func readCount(rows *sql.Rows) (string, error) {
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d", n), rows.Err()
}

func readNames(rows *sql.Rows) (string, error) {
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var out []string
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		var row []string
		for _, v := range vals {
			row = append(row, v.String)
		}
		out = append(out, strings.Join(row, " "))
	}
	return fmt.Sprintf("%d row(s): %s", len(out), strings.Join(out, "; ")), rows.Err()
}

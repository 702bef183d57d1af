package tenants

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// LockHeld reports whether some session holds the tenant's lock: whether a
// tenancy process anywhere is working on the tenant right now.
func LockHeld(ctx context.Context, db *sqlx.DB, tenantID string) (bool, error) {
	var id sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?)", lockName(tenantID)).Scan(&id); err != nil {
		return false, fmt.Errorf("look at the lock of tenant %s: %w", tenantID, err)
	}
	return id.Valid, nil
}

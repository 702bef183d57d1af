package lifecycle

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
)

// TestCloneBothFlavours: the clone is a new tenant (its own id, domain,
// database and user) whose database holds exactly the source's tables,
// rows and objects, on the server asked for; the source is unchanged.
func TestCloneBothFlavours(t *testing.T) {
	for _, flavour := range []tenants.Flavour{tenants.FlavourArtflow, tenants.FlavourStancl} {
		t.Run(string(flavour), func(t *testing.T) {
			f := newFixture(t, flavour)
			src := f.tenant(t, "Clone Source", true, trickyTypes...)
			before := checksumsOn(t, f.env.Server, src.Database)
			var steps []string
			clone, err := f.ls.Clone(context.Background(), CloneRequest{Source: src, Name: "Clone Copy", Domains: []string{"copy.test"}, Server: secondServer},
				func(p Progress) { steps = append(steps, p.Step) })
			require.NoError(t, err)
			require.Contains(t, steps, "copy")
			require.NotEqual(t, src.ID, clone.ID)
			require.Equal(t, secondServer, clone.Server)
			require.Equal(t, []string{"copy.test"}, clone.Domains)
			require.Equal(t, tenants.StatusActive, clone.Status, "the source's status once the data is in")
			require.NotEmpty(t, clone.DBUser, "a user, as the source has one")
			require.NotEqual(t, src.DBUser, clone.DBUser)
			require.Equal(t, before, checksumsOn(t, f.second, clone.Database))
			require.Equal(t, objectsOn(t, f.env.Server, src.Database), objectsOn(t, f.second, clone.Database))
			require.Equal(t, before, checksumsOn(t, f.env.Server, src.Database), "the source is unchanged")
			again, err := f.ts.Get(context.Background(), clone.ID)
			require.NoError(t, err)
			require.Equal(t, secondServer, again.Server)
		})
	}
}

// TestCloneFailureLeavesNothing: a copy that fails (the source's database
// is gone) deletes the new tenant: no registry row, no database, no user.
func TestCloneFailureLeavesNothing(t *testing.T) {
	f := newFixture(t, tenants.FlavourArtflow)
	src := f.tenant(t, "Vanishing", true, "CREATE TABLE t (id INT PRIMARY KEY)")
	f.env.Exec(t, "DROP DATABASE "+tenants.QuoteIdent(src.Database))
	before, err := f.ts.List(context.Background(), tenants.ListOptions{})
	require.NoError(t, err)
	var usersBefore, usersAfter int
	require.NoError(t, f.env.Server.Get(&usersBefore, "SELECT COUNT(*) FROM mysql.user"))
	_, err = f.ls.Clone(context.Background(), CloneRequest{Source: src, Name: "Doomed", Domains: []string{"doomed.test"}}, nil)
	require.ErrorContains(t, err, "the new tenant was deleted")
	after, err := f.ts.List(context.Background(), tenants.ListOptions{})
	require.NoError(t, err)
	require.Len(t, after, len(before), "no registry row left")
	var dbs []string
	require.NoError(t, f.env.Server.Select(&dbs, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", f.env.Config.Tenancy.DatabasePrefix+"%"))
	require.Empty(t, dbs, "no database left (the source's was dropped by the test)")
	require.NoError(t, f.env.Server.Get(&usersAfter, "SELECT COUNT(*) FROM mysql.user"))
	require.Equal(t, usersBefore, usersAfter, "the clone's user was dropped")
	_, err = f.ts.FindByDomain(context.Background(), "doomed.test")
	require.ErrorIs(t, err, tenants.ErrNotFound)
}

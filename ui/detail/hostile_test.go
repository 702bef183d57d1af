package detail

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenancy-dev/tenancy/tenants"
	"github.com/tenancy-dev/tenancy/termtext"
	"github.com/tenancy-dev/tenancy/ui/common"
	"github.com/tenancy-dev/tenancy/ui/uitest"
)

func hostileScreen(t *testing.T, w, h int) *Model {
	t.Helper()
	tn := uitest.HostileTenant()
	m := New(uitest.Context(t, false, w, h), tn)
	m.SetSize(w, h)
	m.reqID = 1
	i := info(tn)
	i.Charset, i.Tables = "utf8mb4\x1b[31m", uitest.TableNames()
	m.Update(infoMsg{id: 1, info: i})
	return m
}

func TestHostileTextIsEscaped(t *testing.T) {
	for _, size := range uitest.Sizes {
		w, h := size[0], size[1]-2
		m := hostileScreen(t, w, h)
		tn := m.Tenant()
		view := m.View()
		uitest.RequireSafe(t, view)
		uitest.RequireLines(t, view, h)
		uitest.Golden(t, fmt.Sprintf("detail_hostile_%dx%d", size[0], size[1]), view)
		require.Equal(t, uitest.Shown(tn.Name), m.Title())

		// The whole content, as it scrolls: every value whole on its line.
		content := m.vp.GetContent()
		uitest.RequireSafe(t, content)
		plain := uitest.Plain(content)
		uitest.RequireShown(t, plain, "[5] "+tn.Name, tn.ID, tn.Database, tn.Server, tn.DBUser, string(tn.Status), "utf8mb4\x1b[31m")
		for i, h := range uitest.Hostile {
			require.Contains(t, plain, "\n  "+uitest.Shown(fmt.Sprintf("d%d.%s", i, h))+"\n", "domain %q", h)
			require.Regexp(t, `\n    `+regexpQuote(uitest.Shown(h))+` +[\d,]+ rows`, plain, "table %q", h)
			key, _ := json.Marshal(h)
			require.Regexp(t, `\n    `+regexpQuote(termtext.Line(string(key))+": "+termtext.Line(string(key)))+`,?\n`, plain, "data %q", h)
		}
		require.Contains(t, plain, `{"raw": "\e]0;title\a`+"\n"+`  \u202e"}`, "settings that are not JSON keep their lines, escaped")
		// the title; 5 sections of a blank line and a title; 7 tenant fields
		// (maintenance off), 16 domains, 3 database fields, 4 of its size and
		// 16 tables, the data ({, 17 keys, }), the settings' 2 lines; the last newline
		require.Equal(t, 1+5*2+7+16+3+4+16+19+2+1, strings.Count(plain, "\n")+1, "no value added a line")
	}
}

func tenantsMissing() tenants.DatabaseInfo { return tenants.DatabaseInfo{Exists: false} }

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestHostileDataGolden(t *testing.T) {
	m := hostileScreen(t, 80, 22)
	press(m, "G")
	view := m.View()
	uitest.RequireSafe(t, view)
	uitest.RequireLines(t, view, 22)
	uitest.Golden(t, "detail_hostile_data_80x24", view)
}

func TestHostileDomainPromptsAndFlashes(t *testing.T) {
	m := hostileScreen(t, 120, 38)
	press(m, "-")
	view := m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `remove domain:  d0.line\nbreak   d1.carriage\rreturn`)
	press(m, "esc", "+")
	for _, k := range uitest.Type("shop\u202e.test") {
		m.Update(k)
	}
	view = m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `add domain: shop\u202e.test`, "a pasted bidi control shows as typed")
	press(m, "esc")

	m.t.Domains = nil
	for _, k := range []string{"o", "-"} {
		msgs := uitest.Msgs(press(m, k))
		require.Len(t, msgs, 1)
		text := msgs[0].(common.FlashMsg).Text
		require.True(t, termtext.Safe(text), "%s: %q", k, text)
		require.Contains(t, text, uitest.Shown(m.t.Name))
	}
}

func TestHostileErrorsAreEscaped(t *testing.T) {
	c := uitest.Context(t, false, 80, 22)
	m := NewRef(c, uitest.Hostile[4])
	m.SetSize(80, 22)
	require.Equal(t, uitest.Shown(uitest.Hostile[4]), m.Title())
	view := m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `finding tenant title \e]0;title\a…`)
	m.reqID = 2
	_, cmd := m.Update(tenantMsg{id: 2, err: fmt.Errorf("find tenant %s:\n%s", uitest.Hostile[5], uitest.Hostile[0])})
	require.NotNil(t, cmd)
	view = m.View()
	uitest.RequireSafe(t, view)
	uitest.RequireLines(t, view, 22)
	require.Contains(t, uitest.Plain(view), `find tenant clip \e]52;c;aGk=\a: line break`, "one line: the error's newlines are spaces")

	m = hostileScreen(t, 120, 38)
	m.Update(infoMsg{id: 1, err: fmt.Errorf("read %s: %s", uitest.Hostile[3], uitest.Hostile[12])})
	view = m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `size           read clear \e[2Jscreen: rtl \u202ecod.exe`)
	m.Update(infoMsg{id: 1, info: tenantsMissing()})
	view = m.View()
	uitest.RequireSafe(t, view)
	require.Contains(t, uitest.Plain(view), `exists         no: the database is missing on central\e[31m`)
}

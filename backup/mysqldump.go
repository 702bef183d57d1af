package backup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// dumpTool finds mariadb-dump, else mysqldump.
func dumpTool() (string, error) {
	for _, name := range []string{"mariadb-dump", "mysqldump"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("[backup] engine is mysqldump but neither mariadb-dump nor mysqldump is on PATH: install the client or set engine = \"native\"")
}

// mysqldump runs the external tool with its credentials in a 0600 option
// file (never on the command line) and streams its output through the
// same compressor into out.
func (s *Service) mysqldump(ctx context.Context, b Backup, out io.Writer) (dumpStats, error) {
	tool, err := dumpTool()
	if err != nil {
		return dumpStats{}, err
	}
	mc, err := s.tenants.Servers().MySQLConfig(b.Server, "")
	if err != nil {
		return dumpStats{}, err
	}
	var opts strings.Builder
	opts.WriteString("[client]\n")
	fmt.Fprintf(&opts, "user=%s\n", optionValue(mc.User))
	if mc.Passwd != "" {
		fmt.Fprintf(&opts, "password=%s\n", optionValue(mc.Passwd))
	}
	if mc.Net == "unix" {
		fmt.Fprintf(&opts, "socket=%s\n", optionValue(mc.Addr))
	} else {
		host, port, _ := strings.Cut(mc.Addr, ":")
		fmt.Fprintf(&opts, "host=%s\n", optionValue(host))
		if port != "" {
			fmt.Fprintf(&opts, "port=%s\n", port)
		}
		opts.WriteString("protocol=tcp\n")
	}
	optFile, err := os.CreateTemp("", "tenancy-dump-*.cnf") // CreateTemp makes it 0600
	if err != nil {
		return dumpStats{}, fmt.Errorf("create option file: %w", err)
	}
	defer os.Remove(optFile.Name())
	if _, err := optFile.WriteString(opts.String()); err != nil {
		optFile.Close()
		return dumpStats{}, fmt.Errorf("write option file: %w", err)
	}
	if err := optFile.Close(); err != nil {
		return dumpStats{}, fmt.Errorf("write option file: %w", err)
	}
	args := []string{"--defaults-file=" + optFile.Name(), "--single-transaction", "--hex-blob",
		"--routines", "--triggers", "--events", "--default-character-set=utf8mb4", "--tz-utc", "--skip-lock-tables"}
	if b.Kind == KindStructure {
		args = append(args, "--no-data")
	}
	args = append(args, "--", b.Database)
	comp, err := newCompressor(out, b.Compression)
	if err != nil {
		return dumpStats{}, err
	}
	counter := &countingWriter{w: comp}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Stdout, cmd.Stderr = counter, &stderr
	if err := cmd.Run(); err != nil {
		comp.Close()
		return dumpStats{}, fmt.Errorf("%s: %w: %s", tool, err, strings.TrimSpace(stderr.String()))
	}
	if err := comp.Close(); err != nil {
		return dumpStats{}, fmt.Errorf("compress: %w", err)
	}
	return dumpStats{Bytes: counter.n, Mode: "mysqldump --single-transaction (one connection)"}, nil
}

// optionValue quotes a value for a MySQL option file.
func optionValue(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

//go:build unix

package fleet

import (
	"os/exec"
	"syscall"
)

// killGroup makes the command the leader of its own process group and
// kills the whole group on cancel, so a timed-out `sh -c` takes its
// children with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

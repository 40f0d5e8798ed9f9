//go:build unix

package browser

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts node in a process group of its own, so that a
// timeout kills node and the chromium processes it started together.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// killProcessGroup ends whatever is left of that group after node exited
// (a browser the script did not close); usually nothing is.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

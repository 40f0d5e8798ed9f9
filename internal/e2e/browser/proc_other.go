//go:build !unix

package browser

import "os/exec"

// On systems without process groups a timeout kills node only.
func ownProcessGroup(*exec.Cmd)  {}
func killProcessGroup(*exec.Cmd) {}

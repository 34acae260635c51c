//go:build unix

package reboot

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkPrivate refuses a ticket that another user could read or change,
// or that is another user's.
func checkPrivate(info fs.FileInfo) error {
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("can be read or changed by other users (mode %04o, not 0600)", perm)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("belongs to another user (uid %d)", st.Uid)
	}
	return nil
}

//go:build windows

package reboot

import "io/fs"

// checkPrivate has nothing to check on Windows: the ticket lives in the
// user's profile (%AppData%\lifeline), whose access list keeps other users
// out, and Go's file modes do not show access lists.
func checkPrivate(fs.FileInfo) error { return nil }

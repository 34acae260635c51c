package settings

import "lifeline/shared/protocol"

// Allows says whether f lets a CSR ask the customer for a consent action
// of the wire protocol, and names the feature that decides it, for the
// refusal. Viewing and control are what a support session is for: no
// setting switches them off.
func (f Features) Allows(action string) (feature string, ok bool) {
	switch action {
	case protocol.ActionFiles:
		return "File transfer", f.FileTransfer
	case protocol.ActionScripts:
		return "Running scripts", f.Scripts
	case protocol.ActionSysinfo:
		return "Reading system information", f.SystemInfo
	case protocol.ActionReboot:
		return "Rebooting the customer's computer", f.Reboot
	case protocol.ActionRecord:
		return "Recording", f.Recording
	}
	return "", true
}

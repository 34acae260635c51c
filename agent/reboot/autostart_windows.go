//go:build windows

package reboot

import (
	"errors"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// The Run key of the user starts its programs at every login; Cleanup
// removes the value once the agent has rejoined (or the customer said no).
const (
	runKey   = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValue = "LifelineRejoin"
)

func installAutostart(_ Config, args []string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(runValue, windows.ComposeCommandLine(args))
}

func removeAutostart(Config) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(runValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

// AutostartPath names the registry value Arrange sets.
func AutostartPath(Config) (string, error) {
	return `HKEY_CURRENT_USER\` + runKey + `\` + runValue, nil
}

package sysinfo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
)

// maxDpkgStatus caps how much of the dpkg status file is read; real ones
// are a few megabytes even with thousands of packages.
const maxDpkgStatus = 64 << 20

// installedSoftware reads dpkg's database where there is one (Debian,
// Ubuntu, ...), otherwise asks rpm (Fedora, RHEL, SUSE, ...).
func installedSoftware(ctx context.Context) ([]Section, error) {
	pkgs, total, err := dpkgPackages(dpkgStatusPath)
	switch {
	case err == nil && total > 0:
		return packageSections("dpkg", pkgs, total), nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	if rpm, lerr := exec.LookPath("rpm"); lerr == nil {
		pkgs, total, err := rpmPackages(ctx, rpm)
		if err != nil {
			return nil, err
		}
		if total > 0 {
			return packageSections("rpm", pkgs, total), nil
		}
	}
	return notAvailable("no dpkg or rpm package database was found. Software installed in other ways (Flatpak, Snap, AppImage, from source) is not listed either."), nil
}

// dpkgPackages reads a dpkg status file.
func dpkgPackages(path string) ([]pkgInfo, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the dpkg database: %w", err)
	}
	defer f.Close()
	return parseDpkgStatus(io.LimitReader(f, maxDpkgStatus), MaxPackages)
}

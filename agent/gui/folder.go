package gui

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// defaultFolder is where downloads go unless the customer chooses another
// folder: their Downloads folder if it exists, else their home folder;
// "" when not even that is known.
func defaultFolder() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	config := os.Getenv("XDG_CONFIG_HOME")
	if config == "" {
		config = filepath.Join(home, ".config")
	}
	return downloadsFolder(home, config)
}

// downloadsFolder is the Downloads folder under home — the one the
// desktop named in configDir/user-dirs.dirs (it has the user's language:
// "Téléchargements"), else "Downloads" — or home when it does not exist.
func downloadsFolder(home, configDir string) string {
	for _, dir := range []string{xdgDownloadDir(home, configDir), filepath.Join(home, "Downloads")} {
		if dir == "" {
			continue
		}
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
	}
	return home
}

// xdgDownloadDir reads XDG_DOWNLOAD_DIR from user-dirs.dirs, lines such
// as XDG_DOWNLOAD_DIR="$HOME/Downloads". By the XDG user-dirs format the
// value is "$HOME/…" or an absolute path; "$HOME" alone means the
// folder is not set up.
func xdgDownloadDir(home, configDir string) string {
	f, err := os.Open(filepath.Join(configDir, "user-dirs.dirs"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "XDG_DOWNLOAD_DIR=")
		if !ok {
			continue
		}
		v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
		switch {
		case strings.HasPrefix(v, "$HOME/"):
			return filepath.Join(home, v[len("$HOME/"):])
		case filepath.IsAbs(v):
			return v
		}
		return ""
	}
	return ""
}

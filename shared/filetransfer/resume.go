package filetransfer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
)

// A file being received lives in NAME.lifeline-part. Beside it,
// NAME.lifeline-state records how many of its bytes are known good and
// their SHA-256, written every checkpointEvery bytes and when the
// connection drops. To resume, the receiver hashes the part's first Have
// bytes again and checks them against the state (the part may have been
// torn by a crash or touched since); only then does it offer Have and
// the hash to the sender, which hashes its own first Have bytes and
// continues from there if they agree, or starts over if not. So nothing
// is trusted on either side: the prefix is proven by both hashes, and the
// whole file again by the final SHA-256.
type partState struct {
	V      int    `json:"v"`
	Size   int64  `json:"size"`  // the entry's size …
	MTime  int64  `json:"mtime"` // … and time: the state is for this version of the file
	Have   int64  `json:"have"`
	SHA256 string `json:"sha256"` // of the first Have bytes
}

const maxStateFile = 1024

// parseState decodes a state file. The file is local, but it sits in a
// folder other programs (and the other side's earlier transfers) write
// to, so it is treated like any other input.
func parseState(b []byte) (partState, [32]byte, error) {
	var st partState
	var sum [32]byte
	if len(b) > maxStateFile {
		return st, sum, fmt.Errorf("%w: state file of %d bytes", ErrCorrupt, len(b))
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, sum, fmt.Errorf("%w: state file: %v", ErrCorrupt, err)
	}
	if st.V != 1 {
		return st, sum, fmt.Errorf("%w: state file version %d", ErrVersion, st.V)
	}
	if st.Size < 0 || st.Size > maxSize || st.Have < 0 || st.Have > st.Size {
		return st, sum, fmt.Errorf("%w: state file sizes %d of %d", ErrCorrupt, st.Have, st.Size)
	}
	raw, err := hex.DecodeString(st.SHA256)
	if err != nil || len(raw) != len(sum) {
		return st, sum, fmt.Errorf("%w: state file checksum", ErrCorrupt)
	}
	copy(sum[:], raw)
	return st, sum, nil
}

func readState(root *os.Root, name string) (partState, [32]byte, error) {
	f, _, err := openRegular(root, name)
	if err != nil {
		return partState{}, [32]byte{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return partState{}, [32]byte{}, ioErr("read", name, err)
	}
	return parseState(b)
}

func writeState(root *os.Root, name string, e Entry, have int64, h hash.Hash) error {
	b, err := json.Marshal(partState{V: 1, Size: e.Size, MTime: e.ModTime.Unix(), Have: have, SHA256: hex.EncodeToString(h.Sum(nil))})
	if err != nil {
		return err
	}
	if fi, err := lstat(root, name); err != nil {
		return err
	} else if fi != nil && !fi.Mode().IsRegular() {
		return refuse(name, "it is not a regular file")
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return ioErr("save resume state for", name, err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ioErr("save resume state for", name, err)
	}
	return nil
}

// partOffer checks a partial file left by an earlier attempt at entry e
// (target is where e lands). It returns the verified prefix length and a
// hash holding exactly that prefix, or 0 and removes a part that cannot
// be used.
func partOffer(root *os.Root, target string, e Entry) (int64, hash.Hash, error) {
	part, state := target+partSuffix, target+stateSuffix
	st, sum, err := readState(root, state)
	if errors.Is(err, ErrNotFound) {
		return 0, nil, removeIfExists(root, part)
	}
	if err == nil && st.Size == e.Size && st.MTime == e.ModTime.Unix() && st.Have > 0 {
		f, fi, err := openRegular(root, part)
		if err == nil {
			defer f.Close()
			if fi.Size() >= st.Have {
				h := sha256.New()
				if _, err := io.CopyN(h, f, st.Have); err == nil && [32]byte(h.Sum(nil)) == sum {
					return st.Have, h, nil
				}
			}
		}
	}
	return 0, nil, removeParts(root, target)
}

func removeIfExists(root *os.Root, name string) error {
	fi, err := lstatParent(root, name)
	if err != nil || fi == nil {
		return err
	}
	if fi.IsDir() {
		return refuse(name, "a folder of this name is in the way")
	}
	if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return ioErr("delete", name, err)
	}
	return nil
}

// removeParts deletes the partial file of target and its state.
func removeParts(root *os.Root, target string) error {
	return errors.Join(removeIfExists(root, target+partSuffix), removeIfExists(root, target+stateSuffix))
}

#!/usr/bin/env bash
# Checks the include rules that the link graph cannot: crypto/ and card/ never include db/;
# crypto/ includes nothing of card/; catalog/ includes no other project folder; only card/pcsc/
# includes winscard.h; no SQL outside db/.
set -u
cd "$(dirname "$0")/.."
status=0
violation() { echo "layering violation: $*"; status=1; }

while IFS= read -r hit; do violation "$hit"; done < <(grep -rnE '#include +"db/' crypto card)
while IFS= read -r hit; do violation "$hit"; done < <(grep -rnE '#include +"(card|cli|issuance|terminal)/' crypto)
while IFS= read -r hit; do violation "$hit"; done < <(grep -rnE '#include +"(issuance|terminal)/' card db cli)
while IFS= read -r hit; do violation "$hit"; done < <(grep -rnE '#include +"[^"]+/' catalog | grep -vE '#include +"catalog/')
while IFS= read -r hit; do violation "$hit"; done < \
  <(grep -rnE '#include +[<"](PCSC/)?(winscard|pcsclite|wintypes)\.h' --include='*.[ch]pp' . \
      | grep -v '^\./card/pcsc/' | grep -v '^\./build')
while IFS= read -r hit; do violation "$hit"; done < \
  <(grep -rnlE '#include +<sqlite3\.h>' --include='*.[ch]pp' . | grep -v '^\./db/' | grep -v '^\./build')

[ $status -eq 0 ] && echo "layering: ok"
exit $status

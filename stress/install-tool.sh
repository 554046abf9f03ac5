#!/bin/sh
# Installs the actorkvm .NET tool that a Release build of stress/ just packed (target ActorKvmInstallTool in
# ActorKvm.Stress.csproj): `dotnet tool update --global` from the local pack only (no package feed is asked), then,
# when ~/.dotnet/tools is not on PATH, a two-line launcher in a folder that is. Exit 0 installed, 1 not (the build
# goes on either way; the reason is in install.log next to the package).
#   stress/install-tool.sh PACK_DIR VERSION
set -u
dir=$1
version=$2
cat > "$dir/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="actorkvm-local" value="$dir" />
  </packageSources>
</configuration>
CONFIG
if ! dotnet tool update --global --configfile "$dir/nuget.config" --version "$version" actorkvm >"$dir/install.log" 2>&1; then
    echo "actorkvm: the .NET tool was not installed (see $dir/install.log); use dotnet run --project stress -c Release -- VERB"
    exit 1
fi
tools="${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools"
case ":$PATH:" in *":$tools:"*)
    echo "actorkvm: installed as a .NET tool ($tools/actorkvm $version)"
    exit 0 ;;
esac
for d in "$HOME/.local/bin" "$HOME/bin" /usr/local/bin; do
    case ":$PATH:" in *":$d:"*) ;; *) continue ;; esac
    [ -d "$d" ] && [ -w "$d" ] || continue
    # Never replace an actorkvm this script did not write.
    if [ -e "$d/actorkvm" ] && ! grep -q "ActorKvm launcher" "$d/actorkvm" 2>/dev/null; then continue; fi
    printf '#!/bin/sh\n# ActorKvm launcher for the actorkvm .NET tool (remove both: dotnet tool uninstall --global actorkvm; rm %s)\nexec "%s/actorkvm" "$@"\n' \
        "$d/actorkvm" "$tools" > "$d/actorkvm" && chmod +x "$d/actorkvm" || continue
    echo "actorkvm: installed as a .NET tool ($version); $tools is not on PATH, so $d/actorkvm launches it"
    exit 0
done
echo "actorkvm: installed as a .NET tool in $tools ($version); add that folder to PATH to type actorkvm"
exit 0

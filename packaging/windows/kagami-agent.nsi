; The kagami agent's installer: copies kagami-agent.exe to Program Files, registers it in
; "Apps & features", and installs + starts the service (kagami-agent.exe install --shm ...).
;   kagami-agent-setup.exe [/S] [/SHM=ivshmem|ivshmem:N|ivshmem:SIZE|PATH]   (default ivshmem)
; Built by CMake (packaging/windows/CMakeLists.txt) with:
;   makensis -DAGENT_EXE=<path to the exe> -DCOPYRIGHT=<packaging/copyright> -DOUT_FILE=<installer>
;            -DVERSION=<x.y.z> kagami-agent.nsi
; A 64-bit installer: the agent is 64-bit, and so is Wine in the tests (no 32-bit support there).
Target amd64-unicode
!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

Var Shm
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\kagami-agent"

Name "kagami agent ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\kagami"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  SetRegView 64
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/SHM=" $Shm
  ${If} ${Errors}
    StrCpy $Shm "ivshmem"
  ${EndIf}
FunctionEnd

Section "kagami agent"
  SetOutPath "$INSTDIR"
  ; An older version's service holds the exe open: remove it first (fails harmlessly if absent).
  IfFileExists "$INSTDIR\kagami-agent.exe" 0 +2
    nsExec::ExecToLog '"$INSTDIR\kagami-agent.exe" uninstall'
  File "/oname=kagami-agent.exe" "${AGENT_EXE}"
  File "/oname=copyright.txt" "${COPYRIGHT}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "kagami agent"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "kagami"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  nsExec::ExecToLog '"$INSTDIR\kagami-agent.exe" install --shm "$Shm"'
  Pop $0
  ${If} $0 != 0
    DetailPrint "The service did not start (exit code $0): see $COMMONPROGRAMDATA\kagami\kagami-agent.log"
  ${EndIf}
SectionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Uninstall"
  nsExec::ExecToLog '"$INSTDIR\kagami-agent.exe" uninstall'
  Delete "$INSTDIR\kagami-agent.exe"
  Delete "$INSTDIR\copyright.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd

; Okmot Windows installer (NSIS 3, Modern UI 2).
;
; Installs the PyInstaller one-folder build (dist\okmot, made on Windows by `pyinstaller installer\okmot.spec`)
; into Program Files with Start-menu and desktop shortcuts. Installing a newer version over an older one
; upgrades in place: same folder (remembered in the registry), the running app is closed first, the old
; program files are replaced. The user's data (database, backups, logs in %LOCALAPPDATA%\Okmot) is never
; touched by installing; the uninstaller deletes it only when the user ticks that box.
;
; Build on Windows:   makensis /DVERSION=0.1.0 installer\okmot.nsi
; Compile check here: make installer-check (Debian's makensis against a stub folder)
;
; NSIS has no Kyrgyz translation of its own pages; Russian (read by every Kyrgyz user) comes first.

Unicode true
SetCompressor /SOLID lzma

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef DIST_DIR
  !define DIST_DIR "..\dist\okmot"
!endif
!ifndef OUT_FILE
  !define OUT_FILE "..\dist\okmot-setup-${VERSION}.exe"
!endif

!define APP_NAME "Okmot"
!define APP_EXE "okmot.exe"
!define REG_KEY "Software\Okmot"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Okmot"

Name "${APP_NAME} ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\Okmot"
; An earlier installation's folder wins: an upgrade lands where the old version is.
InstallDirRegKey HKLM "${REG_KEY}" "InstallDir"
RequestExecutionLevel admin
ShowInstDetails show
ShowUninstDetails show
BrandingText "${APP_NAME} ${VERSION}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_UNCOMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "Russian"
!insertmacro MUI_LANGUAGE "English"

LangString MsgRunning ${LANG_RUSSIAN} "Окмот запущен. Он будет закрыт (введённые данные уже сохранены). Продолжить?"
LangString MsgRunning ${LANG_ENGLISH} "Okmot is running. It will be closed (the data entered is already saved). Continue?"
LangString MsgStillRunning ${LANG_RUSSIAN} "Не удалось закрыть Окмот. Закройте его и нажмите «Повтор»."
LangString MsgStillRunning ${LANG_ENGLISH} "Okmot could not be closed. Close it and press Retry."
LangString Msg32Bit ${LANG_RUSSIAN} "Окмоту нужна 64-разрядная Windows."
LangString Msg32Bit ${LANG_ENGLISH} "Okmot needs 64-bit Windows."
LangString SecData ${LANG_RUSSIAN} "Удалить и мои данные (база, резервные копии, журнал)"
LangString SecData ${LANG_ENGLISH} "Also delete my data (database, backups, log)"
LangString LinkGuide ${LANG_RUSSIAN} "Руководство Окмот"
LangString LinkGuide ${LANG_ENGLISH} "Okmot user guide"
LangString LinkUninstall ${LANG_RUSSIAN} "Удалить Окмот"
LangString LinkUninstall ${LANG_ENGLISH} "Uninstall Okmot"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP_NAME} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "Okmot"

; --- closing a running Okmot ------------------------------------------------------------------------
; taskkill without /F asks the window to close: Okmot then takes its on-exit backup as usual.

!macro CLOSE_OKMOT un
Function ${un}CloseOkmot
  nsExec::Exec 'cmd /c tasklist /FI "IMAGENAME eq ${APP_EXE}" /NH | find /I "${APP_EXE}"'
  Pop $0
  ${If} $0 != 0
    Return
  ${EndIf}
  MessageBox MB_OKCANCEL|MB_ICONINFORMATION "$(MsgRunning)" /SD IDOK IDOK close
  Abort
  close:
  nsExec::Exec 'taskkill /IM ${APP_EXE}'
  Pop $0
  StrCpy $1 0
  wait:
    Sleep 500
    nsExec::Exec 'cmd /c tasklist /FI "IMAGENAME eq ${APP_EXE}" /NH | find /I "${APP_EXE}"'
    Pop $0
    ${If} $0 != 0
      Return
    ${EndIf}
    IntOp $1 $1 + 1
    ${If} $1 < 20
      Goto wait
    ${EndIf}
  MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(MsgStillRunning)" /SD IDCANCEL IDRETRY close
  Abort
FunctionEnd
!macroend
!insertmacro CLOSE_OKMOT ""
!insertmacro CLOSE_OKMOT "un."

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "$(Msg32Bit)" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

; --- install ---------------------------------------------------------------------------------------

Section "Okmot" SecApp
  SectionIn RO
  Call CloseOkmot
  SetShellVarContext all
  ; Upgrade in place: the old program files go, so no module of the old version is left to be loaded.
  ; Only the program's own files: a portable okmot-data folder beside them is left alone.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\okmot.exe"
  Delete "$INSTDIR\okmot-console.exe"
  SetOutPath "$INSTDIR"
  File /r "${DIST_DIR}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\Okmot"
  CreateShortCut "$SMPROGRAMS\Okmot\Okmot.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
  CreateShortCut "$SMPROGRAMS\Okmot\$(LinkGuide).lnk" "$INSTDIR\_internal\data\help\ky\index.html"
  CreateShortCut "$SMPROGRAMS\Okmot\$(LinkUninstall).lnk" "$INSTDIR\uninstall.exe"
  CreateShortCut "$DESKTOP\Okmot.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0

  WriteRegStr HKLM "${REG_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${REG_KEY}" "Version" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "Okmot"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

; --- uninstall -------------------------------------------------------------------------------------

Section "un.Okmot" UnSecApp
  SectionIn RO
  Call un.CloseOkmot
  SetShellVarContext all
  Delete "$DESKTOP\Okmot.lnk"
  RMDir /r "$SMPROGRAMS\Okmot"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\okmot.exe"
  Delete "$INSTDIR\okmot-console.exe"
  Delete "$INSTDIR\uninstall.exe"
  ; Removed only when empty: a portable okmot-data folder inside keeps it.
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "${REG_KEY}"
SectionEnd

; Not ticked unless the user ticks it: uninstalling keeps the household book.
Section /o "un.$(SecData)" UnSecData
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\Okmot"
SectionEnd

import EtalageApp
import Foundation

exit(Etalage.main(Array(CommandLine.arguments.dropFirst())))
